"""Delivery of outgoing mail, in the worker (never inside a web request)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task(queue_name="mail")
def deliver_email(
    *, to: list[str], subject: str, text: str, html: str, headers: dict[str, str]
) -> int:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
