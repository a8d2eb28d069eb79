from django.urls import path

from ecmp.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("users/invite/", views.invite, name="invite"),
    path("users/<int:user_id>/invitation/", views.invitation_resend, name="invitation-resend"),
    path("registration-requests/", views.registration_requests, name="registration-requests"),
    path(
        "registration-requests/<int:pk>/approve/",
        views.registration_request_approve,
        name="registration-request-approve",
    ),
    path(
        "registration-requests/<int:pk>/decline/",
        views.registration_request_decline,
        name="registration-request-decline",
    ),
]
