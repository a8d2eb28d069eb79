from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ecmp.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from ecmp.accounts import signin

        # Sign-ins in the audit log; dispatch_uid: ready() may run more than once.
        user_logged_in.connect(signin.on_user_logged_in, dispatch_uid="ecmp-audit-sign-in")
        user_login_failed.connect(
            signin.on_user_login_failed, dispatch_uid="ecmp-audit-sign-in-failed"
        )
        user_locked_out.connect(signin.on_user_locked_out, dispatch_uid="ecmp-audit-locked-out")
