"""Filters for the console's log lines."""

from __future__ import annotations

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A refused request (403: a customer opening /desk/, a forged link) is logged by
    Django with the PermissionDenied's traceback, a screen of lines for an expected
    event. Keep the line ("Forbidden (Permission denied): /desk/"), drop the traceback;
    errors (500) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
