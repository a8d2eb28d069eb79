"""Billing's emails (billing/mailer.py): invoices and their reminders, and the alerts
on prepaid hours, each in its own module."""

from ecmp.mail.invoice_mail import send_invoice
from ecmp.mail.pack_mail import send_hour_pack_alert

__all__ = ["send_hour_pack_alert", "send_invoice"]
