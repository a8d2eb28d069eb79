"""The API token pages (the API itself is ecmp/api/v1.py, mounted at /api/v1/)."""

from django.urls import path

from ecmp.api import token_views

app_name = "api-tokens"

urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("<id:pk>/revoke/", token_views.token_revoke, name="revoke"),
    path("all/", token_views.token_list_all, name="all"),
]
