"""Serving an uploaded file so that a browser never runs it."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse, Http404

from ecmp.tickets.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return file_response(handle, attachment.original_name, attachment.content_type)


def file_response(handle: IO[bytes], filename: str, content_type: str) -> FileResponse:
    """A download that is never shown inline, sniffed or run."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
