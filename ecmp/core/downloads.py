"""Serving a stored file so that a browser never runs it (attachments: tickets/downloads.py)."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse


def file_response(
    handle: IO[bytes], filename: str, content_type: str, *, inline: bool = False
) -> FileResponse:
    """A file that is never sniffed or run; shown in the browser only if `inline`."""
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened on its own, the file may load nothing, run nothing, and its
    # origin is opaque (sandbox): it cannot reach the user's session.
    # An image shown on its own is drawn by the browser from the response itself,
    # which some browsers check against img-src, in a page of the browser's own
    # making that centres it with inline styles (Chromium): 'self' and those styles
    # let it be drawn; no script, no other load.
    images = " img-src 'self'; style-src 'unsafe-inline';" if inline else ""
    response["Content-Security-Policy"] = f"default-src 'none';{images} sandbox"
    return response
