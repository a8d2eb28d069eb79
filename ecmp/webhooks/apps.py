from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "ecmp.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from ecmp.billing.events import billing_event_subscribe
        from ecmp.core.periodic import periodic_job_register
        from ecmp.tickets.subscribers import event_subscribe
        from ecmp.webhooks.events import WebhookSubscriber, billing_event_received
        from ecmp.webhooks.tasks import webhook_log_expire, webhook_sweep

        # Tickets and billing sit below webhooks: they reach us only through hooks.
        event_subscribe("webhooks", WebhookSubscriber())
        billing_event_subscribe("webhooks", billing_event_received)
        periodic_job_register("webhook-sweep", webhook_sweep, 60)
        periodic_job_register("webhook-log-expire", webhook_log_expire, 3600)
