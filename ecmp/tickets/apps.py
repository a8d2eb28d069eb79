from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "ecmp.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from ecmp.core.periodic import periodic_job_register
        from ecmp.tickets.jobs import archive_closed_tickets, check_sla
        from ecmp.tickets.tasks import event_dispatch_sweep

        periodic_job_register("check-sla", check_sla, 60)
        periodic_job_register("archive-closed-tickets", archive_closed_tickets, 3600)
        periodic_job_register("event-dispatch-sweep", event_dispatch_sweep, 60)
        # Presence rows nobody refreshed for a day (tickets/services/presence.py).
        from ecmp.tickets.presence_jobs import expire_presences

        periodic_job_register("expire-presences", expire_presences, 3600)
