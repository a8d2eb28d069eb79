"""Auto-replies, bounces and list mail: never answered, never changing a ticket."""

from __future__ import annotations

from dataclasses import dataclass

from ecmp.mail.inbound.parse import ParsedMail

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_DAEMONS = ("mailer-daemon@", "postmaster@", "mail-daemon@", "no-reply@", "noreply@")


@dataclass(frozen=True)
class Noise:
    kind: str  # "bounce" or "automatic"
    reason: str


def classify(mail: ParsedMail) -> Noise | None:
    headers = mail.headers
    if mail.is_report:
        # Delivery reports, and read receipts (disposition notifications) alike.
        return (
            Noise("bounce", "delivery status report")
            if mail.report_recipients
            else Noise("automatic", "report")
        )
    if mail.sender.startswith(_DAEMONS[:3]):
        return Noise("bounce", f"sent by {mail.sender.split('@')[0]}")
    if mail.return_path is not None and mail.return_path.strip() in ("<>", ""):
        return Noise("bounce" if mail.is_report else "automatic", "empty Return-Path")
    auto_submitted = headers.get("auto-submitted", "")
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return Noise("automatic", f"Auto-Submitted: {auto_submitted}")
    if headers.get("precedence", "") in _BULK_PRECEDENCE:
        return Noise("automatic", f"Precedence: {headers['precedence']}")
    for key in ("x-autoreply", "x-autorespond"):
        if key in headers:
            return Noise("automatic", key)
    if "x-auto-response-suppress" in headers and any(
        word in headers["x-auto-response-suppress"] for word in ("all", "oof", "autoreply")
    ):
        return Noise("automatic", "X-Auto-Response-Suppress")
    if "list-id" in headers or "list-unsubscribe" in headers:
        return Noise("automatic", "mailing list")
    if mail.sender.startswith(_DAEMONS[3:]):
        return Noise("automatic", "no-reply sender")
    if not mail.sender or "@" not in mail.sender:
        return Noise("automatic", "no sender address")
    return None
