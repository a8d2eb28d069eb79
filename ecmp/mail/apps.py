from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "ecmp.mail"
    label = "mail"

    def ready(self) -> None:
        from ecmp.mail.events import MailSubscriber
        from ecmp.tickets.events import event_subscribe

        # The lower layers reach mail only through these hooks (docs/architecture.md).
        event_subscribe("mail", MailSubscriber())
