from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ecmp.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from ecmp.notifications.services import NotificationSubscriber
        from ecmp.tickets.subscribers import event_subscribe

        # Tickets sits below notifications: it reaches us only through this hook.
        event_subscribe("notifications", NotificationSubscriber())
