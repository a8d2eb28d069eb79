"""Which of a ticket's files a customer may see: the one rule for the thread and
the download.

Never the files of an internal note, and never the raw original of an emailed
message: older versions of the inbound mail attached it to the message as
`original-message.eml`, headers and all (the trusted MTA's verdicts, our routing).
Agents keep it (and download any message's original from the desk's mail pages).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ecmp.tickets.models import Attachment

RAW_ORIGINAL_NAME = "original-message.eml"

# The raw original, as it was attached: to a message (the mail), under its fixed name.
RAW_ORIGINAL = Q(message__isnull=False, original_name=RAW_ORIGINAL_NAME)


def customer_files(files: QuerySet[Attachment]) -> QuerySet[Attachment]:
    """`files` without those a customer never sees."""
    return files.exclude(message__internal=True).exclude(RAW_ORIGINAL)
