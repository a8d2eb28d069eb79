from django.urls import path

from ecmp.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("service-desk/", views.service_desk, name="service-desk"),
    path("team/requests/", views.team_requests, name="team-requests"),
]
