from django.urls import path

from ecmp.accounts import account_views, twofactor_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("unlock/<str:token>/", views.signin_unlock, name="signin-unlock"),
    path("activate/<str:token>/", views.activate, name="activate"),
    path("activate/<str:token>/renew/", views.activation_renew, name="activation-renew"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password-change-done",
    ),
    path("language/", views.set_language, name="set-language"),
    path("me/", account_views.account, name="account"),
    path("2fa/", twofactor_views.two_factor_home, name="two-factor"),
    path("2fa/setup/", twofactor_views.two_factor_setup, name="two-factor-setup"),
    path("2fa/verify/", twofactor_views.two_factor_verify, name="two-factor-verify"),
    path("2fa/backup-codes/", twofactor_views.backup_codes_new, name="two-factor-backup-codes"),
    path("2fa/off/", twofactor_views.two_factor_off, name="two-factor-off"),
]
