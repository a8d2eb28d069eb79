"""Serving a ticket's attachment: shown only if it is a plain raster image."""

from __future__ import annotations

from django.http import FileResponse, Http404

from ecmp.core.downloads import file_response
from ecmp.tickets.attachments import SNIFF_BYTES, sniff_content_type
from ecmp.tickets.models import Attachment

# Raster images a browser only ever draws: shown in the page. Never SVG (it
# carries scripts), nor anything else: those are downloaded.
INLINE_IMAGE_TYPES = frozenset(["image/png", "image/jpeg", "image/gif", "image/webp"])


def attachment_response(attachment: Attachment) -> FileResponse:
    """An attachment: shown if its bytes are a plain raster image, downloaded otherwise.

    The type is sniffed again from the stored bytes, not taken from the row: the
    decision to show a file inline must rest on what the file is.
    """
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    sniffed = sniff_content_type(handle.read(SNIFF_BYTES))
    handle.seek(0)
    if sniffed in INLINE_IMAGE_TYPES:
        return file_response(handle, attachment.original_name, sniffed, inline=True)
    return file_response(handle, attachment.original_name, attachment.content_type)
