"""The API's reading of request bodies and query strings: what the database cannot
store never reaches a service.

JSON may carry characters no text column holds: NUL (PostgreSQL refuses it: a
500 found by schemathesis through the Alertmanager receiver) and lone UTF-16
surrogates ("\\ud800", which UTF-8 cannot encode). The web's forms never deliver
them (their bytes are decoded as UTF-8, and services drop NUL); here every string
of a body or a query, keys included, loses its NUL characters and has a lone
surrogate replaced, before the schema validates it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser


def clean_text(value: str) -> str:
    value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def clean(value: Any) -> Any:
    """The same JSON value with every string cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(key)): clean(item) for key, item in value.items()}
    return value


class CleanParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return clean(super().parse_body(request))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed: dict[str, Any] = clean(super().parse_querydict(data, list_fields, request))
        return parsed
