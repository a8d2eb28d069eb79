"""Why received mail was held or ignored, in the reader's language.

The router stores its reason in English (`InboundEmail.reason`: searched, logged,
compared with VERIFICATION_HOLDS); the desk shows it through `reason_label`, which
translates the reasons the code writes and shows anything else (an older or a
machine's wording) as stored.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from ecmp.mail.inbound.copies import NO_LONGER_FOLLOWS
from ecmp.mail.inbound.route import AUTHENTICATION_FAILED, UNVERIFIED
from ecmp.mail.inbound.senders import DEFECTIVE, NO_ADDRESS, OTHER_SENDER, SEVERAL

REASONS: dict[str, Promise] = {
    "unknown sender": _("unknown sender"),
    "deactivated sender": _("deactivated sender"),
    "an agent's mail without a ticket reference": _("an agent's mail without a ticket reference"),
    "too many new tickets from this sender": _("too many new tickets from this sender"),
    "sent from one of our own addresses": _("sent from one of our own addresses"),
    "delivery status report": _("delivery status report"),
    "report": _("automatic report"),
    "empty Return-Path": _("empty Return-Path"),
    "X-Loop names our address": _("X-Loop names our address"),
    "mailing list": _("mailing list"),
    UNVERIFIED: _("unverified sender"),
    AUTHENTICATION_FAILED: _("sender authentication failed (DMARC)"),
    NO_LONGER_FOLLOWS: _("a reply to a ticket its sender no longer follows"),
    NO_ADDRESS: _("no sender address"),
    SEVERAL: _("several From addresses"),
    DEFECTIVE: _("a From header with defects"),
    OTHER_SENDER: _("Sender differs from From"),
}

# Reasons that end with a value (a ticket number, an address, a header's value).
PREFIXES: list[tuple[str, str]] = [
    (
        "an agent's reply to archived ticket ",
        gettext_noop("an agent's reply to archived ticket %(value)s"),
    ),
    ("follows up archived ", gettext_noop("follows up archived ticket %(value)s")),
    ("released by ", gettext_noop("released by %(value)s")),
    ("sent by ", gettext_noop("sent by %(value)s")),
]


def reason_label(reason: object) -> str:
    text = str(reason or "")
    known = REASONS.get(text)
    if known is not None:
        return str(known)
    for prefix, sentence in PREFIXES:
        if text.startswith(prefix):
            return gettext(sentence) % {"value": text[len(prefix) :]}
    return text
