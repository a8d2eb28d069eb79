"""Test settings: the real settings, with what makes tests fast and isolated."""

import tempfile
from pathlib import Path

from config.settings import *  # noqa: F403

_TMP = Path(tempfile.mkdtemp(prefix="ecmp-test-"))

MEDIA_ROOT = _TMP / "media"
# Hashing cost is irrelevant to what the tests check.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run at once (after commit); tests of the real worker switch back to the
# database backend explicitly.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "mail"],
    }
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
# Most tests sign staff in with force_login and are about something else than the
# second factor: they run with it optional (no extra step, no extra cost). The
# tests of two-factor authentication and the browser journeys set "required", and
# tests/test_two_factor.py proves that the production default is "required".
ECMP_STAFF_2FA = "optional"

if DATABASES["default"]["ENGINE"] == "ecmp.core.sqlite":  # noqa: F405
    # A file, not Django's shared in-memory database: tests that run several
    # connections at once (threads) then behave as the embedded mode does.
    DATABASES["default"]["TEST"] = {"NAME": str(_TMP / "test.sqlite3")}  # noqa: F405
