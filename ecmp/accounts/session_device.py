"""The session's second-factor device, read by a statement compiled once per process.

django-otp's OTPMiddleware reads the device a verified session names on every request
of a signed-in person (`Device.from_persistent_id`), through the ORM: building that
statement cost about 0.25 ms of every staff page. `SessionDeviceMiddleware` is the
same middleware with the same read compiled once per process and device model
(core/prepared_rows.py), the row made into the same model instance, converted as the
ORM converts it. What is read, and what django-otp then checks (the device is the
user's and confirmed, else the session forgets it), are unchanged.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from ecmp.core.prepared import INTEGER
from ecmp.core.prepared_rows import ConvertedRead, attnames


def session_device(persistent_id: str) -> Device | None:
    """`Device.from_persistent_id`: the device named "app_label.model/id", or None."""
    try:
        label, number = persistent_id.rsplit("/", 1)
        app_label, model_name = label.split(".")
        model = apps.get_model(app_label, model_name)
        pk = int(number)
    except (ValueError, LookupError):
        return None
    if not issubclass(model, Device):
        return None
    read, fields = _read(model)
    rows = read.rows(pk)
    return model.from_db("default", fields, rows[0]) if rows else None


_READS: dict[type[Device], tuple[ConvertedRead, tuple[str, ...]]] = {}


def _read(model: type[Device]) -> tuple[ConvertedRead, tuple[str, ...]]:
    if model in _READS:
        return _READS[model]
    fields = attnames(model)

    def build(pk: Any) -> Any:
        return model.objects.filter(id=pk).values_list(*fields)

    _READS[model] = ConvertedRead(build, kinds=(INTEGER,)), fields
    return _READS[model]


class SessionDeviceMiddleware(OTPMiddleware):
    """django-otp's OTPMiddleware (`user.is_verified()`, `user.otp_device`)."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        return session_device(self._normalize_persistent_id(persistent_id))
