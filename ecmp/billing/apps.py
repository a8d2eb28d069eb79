from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "ecmp.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from ecmp.billing.reminders import invoice_reminders
        from ecmp.core.periodic import periodic_job_register

        # Daily: reminders count in days after the due date.
        periodic_job_register("invoice-reminders", invoice_reminders, 86400)
