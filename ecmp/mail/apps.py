from django.apps import AppConfig
from django.conf import settings


def _imap_poll_period() -> int | None:
    return settings.ECMP_IMAP_POLL_SECONDS if settings.ECMP_IMAP_HOST else None


class MailConfig(AppConfig):
    name = "ecmp.mail"
    label = "mail"

    def ready(self) -> None:
        from ecmp.accounts.mailer import mailer_install
        from ecmp.accounts.removal_mailer import removal_mailer_install
        from ecmp.billing.mailer import billing_mailer_install
        from ecmp.core.periodic import periodic_job_register
        from ecmp.mail import billing_mail, outbound, removal_mail
        from ecmp.mail.digest import staff_digest, staff_digest_period
        from ecmp.mail.events import MailSubscriber
        from ecmp.mail.tasks import (
            imap_poll,
            inbound_process,
            inbound_raw_expire,
            inbound_sweep,
            outbox_send,
            outbox_sweep,
        )
        from ecmp.mail.wakeups import MailTasks, mail_tasks_install
        from ecmp.tickets.subscribers import event_subscribe

        # What the app writes reaches its tasks after commit (wakeups.py).
        mail_tasks_install(MailTasks(outbox_send=outbox_send, inbound_process=inbound_process))

        # The lower layers reach mail only through these hooks (docs/architecture.md).
        event_subscribe("mail", MailSubscriber())
        mailer_install(outbound)
        removal_mailer_install(removal_mail)
        billing_mailer_install(billing_mail)
        periodic_job_register("outbox-sweep", outbox_sweep, 60)
        periodic_job_register("inbound-sweep", inbound_sweep, 60)
        periodic_job_register("inbound-raw-expire", inbound_raw_expire, 3600)
        # Polled only when a mailbox is configured.
        periodic_job_register("imap-poll", imap_poll, _imap_poll_period)
        # The support team's digest (ECMP_STAFF_DIGEST), read at each run.
        periodic_job_register("staff-digest", staff_digest, staff_digest_period)
