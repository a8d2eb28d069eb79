"""Mail that RFC 3834 and the DSN rules call automatic, and our own mail come back.

Only these are ignored: a bounce, an auto-reply, a loop. Mail that merely looks
machine-made (noreply senders, lists, cron) is not noise: parse sets its `machine`
reason, and the router never answers it. A message without a usable sender is not
noise either: it is held (`sender_problem`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecmp.mail.ids import is_our_address
from ecmp.mail.inbound.parse import ParsedMail

_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_AUTO_PRECEDENCE = {"auto_reply", "auto-reply"}
_LOOP_ADDRESS = re.compile(r"[^\s<>,;\"]+@[^\s<>,;\"]+")


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
    local_part = mail.sender.rpartition("@")[0]
    if local_part in _DAEMONS:
        return Noise("bounce", f"sent by {local_part}")
    if mail.return_path is not None and mail.return_path.strip() in ("<>", ""):
        return Noise("automatic", "empty Return-Path")
    auto_submitted = headers.get("auto-submitted", "")
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return Noise("automatic", f"Auto-Submitted: {auto_submitted}")
    if headers.get("precedence", "").strip() in _AUTO_PRECEDENCE:
        return Noise("automatic", f"Precedence: {headers['precedence']}")
    for key in ("x-autoreply", "x-autorespond"):
        if key in headers:
            return Noise("automatic", key)
    loop = headers.get("x-loop", "")
    if loop and any(is_our_address(address) for address in _LOOP_ADDRESS.findall(loop)[:5]):
        return Noise("automatic", "X-Loop names our address")
    return None
