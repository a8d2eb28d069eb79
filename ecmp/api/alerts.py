"""/api/v1/alerts/: monitoring alerts become tickets (ecmp/alerts/services.py).

Two doors: our own JSON (`POST /alerts/`, a dedup key per alert) and Prometheus
Alertmanager's webhook (`POST /alerts/alertmanager/`, version 4, each alert keyed by
its fingerprint). Both need a read-write token, and have their own rate budget,
`ECMP_API_ALERT_RATE_PER_MINUTE`, so that a storm is counted rather than refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status as Reply
from pydantic import Field

from ecmp.accounts.models import Organization, User
from ecmp.alerts.models import DEDUP_KEY_MAX, AlertGroup
from ecmp.alerts.selectors import LABELS_MAX, alert_mapping_target, alert_target_for
from ecmp.alerts.services import FIRING, AlertResult, Outcome, alert_receive
from ecmp.api import schemas
from ecmp.api.auth import TokenAuth, caller
from ecmp.api.models import ApiToken
from ecmp.api.problems import ScopeDenied
from ecmp.api.ratelimit import rate_check
from ecmp.api.tokens import api_token_authenticate

router = Router(tags=["alerts"])

P = schemas.Problem
ERRORS: dict[int, Any] = {401: P, 403: P, 413: P, 422: P, 429: P}
NUMBER = 2_147_483_647
# An Alertmanager notice with many alerts is large; anything past this is not one.
BODY_MAX = 1_000_000
ALERTS_MAX = 1000
TEXT_MAX = 20_000
LabelText = Annotated[str, Field(max_length=2000)]
Labels = Annotated[dict[str, LabelText], Field(max_length=LABELS_MAX)]


class AlertAuth(TokenAuth):
    """A read-write token, counted in the alerts' own budget; a body too large is 413
    before it is read."""

    def __init__(self) -> None:
        super().__init__(write=True)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token.strip())
        if found is None:
            return None  # ninja answers 401
        rate_check(found.pk, limit=settings.ECMP_API_ALERT_RATE_PER_MINUTE, bucket="alerts")
        if not found.writes:
            raise ScopeDenied
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdecimal() or int(length) > BODY_MAX:
            raise HttpError(
                413, _("This request is too large: at most %(max)s bytes.") % {"max": BODY_MAX}
            )
        return found


alert_auth = AlertAuth()


class AlertIn(Schema):
    dedup_key: str = Field(
        min_length=1,
        max_length=DEDUP_KEY_MAX,
        description="The same key for the same problem: its repeats count on one ticket",
    )
    title: str = Field(min_length=1, max_length=200, description="The ticket's subject")
    description: str = Field("", max_length=TEXT_MAX)
    severity: str = Field(
        "", max_length=50, description="critical → urgent, high/error → high, info → low"
    )
    status: Literal["firing", "resolved"] = "firing"
    organization: int | None = Field(
        None, ge=1, le=NUMBER, description="The client company's id (support team's tokens)"
    )
    requester: int | None = Field(
        None,
        ge=1,
        le=NUMBER,
        description="A user of that company (support team's tokens; else its mapped "
        "requester or first team manager)",
    )
    starts_at: datetime | None = None


class AlertOut(Schema):
    ticket: int | None = Field(description="The ticket's number (null: nothing open)")
    count: int = Field(description="Firings counted on this ticket")
    status: Literal["opened", "counted", "resolved", "ignored"]


class AlertmanagerAlert(Schema):
    """One alert as Alertmanager sends it (its field names, camelCase)."""

    status: Literal["firing", "resolved"]
    labels: Labels = Field(default_factory=dict)
    annotations: Labels = Field(default_factory=dict)
    startsAt: str = Field("", max_length=64)
    endsAt: str = Field("", max_length=64)
    generatorURL: str = Field("", max_length=2000)
    fingerprint: str = Field("", max_length=DEDUP_KEY_MAX)


class AlertmanagerWebhook(Schema):
    """Alertmanager's webhook body (version 4)."""

    version: str = Field("4", max_length=10)
    groupKey: str = Field("", max_length=2000)
    receiver: str = Field("", max_length=200)
    status: str = Field("", max_length=20)
    alerts: list[AlertmanagerAlert] = Field(max_length=ALERTS_MAX)


class AlertmanagerOut(Schema):
    alerts: list[AlertOut]


def _answer(result: AlertResult) -> dict[str, Any]:
    ticket = result.ticket
    return {
        "ticket": ticket.number if ticket is not None else None,
        "count": result.count,
        "status": result.outcome,
    }


@router.post(
    "/alerts/",
    response={200: AlertOut, 201: AlertOut, **ERRORS},
    auth=alert_auth,
    summary="Post a monitoring alert",
)
def alert_post(request: HttpRequest, payload: AlertIn) -> Reply[dict[str, Any]]:
    """The first firing of a `dedup_key` opens a ticket (201); repeats while it is not
    closed count on it (200); `resolved` adds an internal note. A client's token posts
    for its owner; a support team's names `organization`."""
    user = caller(request)
    organization, requester = alert_target_for(
        user, organization_id=payload.organization, requester_id=payload.requester
    )
    result = alert_receive(
        by=user,
        organization=organization,
        requester=requester,
        dedup_key=payload.dedup_key,
        title=payload.title,
        description=payload.description,
        severity=payload.severity,
        status=payload.status,
        starts_at=payload.starts_at,
        source=AlertGroup.Source.API,
        excerpt=json.dumps(payload.dict(), default=str)[:2000],
    )
    return Reply(201 if result.outcome == Outcome.OPENED else 200, _answer(result))


def _fingerprint(alert: AlertmanagerAlert) -> str:
    """Alertmanager's fingerprint, or the same idea (a hash of the labels) without it."""
    if alert.fingerprint.strip():
        return alert.fingerprint.strip()
    labels = json.dumps(sorted(alert.labels.items()), ensure_ascii=False)
    return "labels:" + hashlib.sha256(labels.encode()).hexdigest()[:32]


def _text(alert: AlertmanagerAlert) -> tuple[str, str]:
    notes = alert.annotations
    title = notes.get("summary") or notes.get("title") or alert.labels.get("alertname") or "Alert"
    lines = [notes.get("description") or notes.get("message") or ""]
    lines.append("\n".join(f"{k}={v}" for k, v in sorted(alert.labels.items())))
    if alert.generatorURL:
        lines.append(alert.generatorURL)
    return title, "\n\n".join(line for line in lines if line)


@router.post(
    "/alerts/alertmanager/",
    response={200: AlertmanagerOut, **ERRORS},
    auth=alert_auth,
    summary="Prometheus Alertmanager webhook",
)
def alertmanager_post(request: HttpRequest, payload: AlertmanagerWebhook) -> dict[str, Any]:
    """Point an Alertmanager `webhook_configs` receiver here (docs/api.md). Each alert
    counts by its fingerprint. A support team's token finds the client by an admin's
    label mapping (e.g. `customer=acme`); an alert no mapping matches refuses the
    whole notice (422) before anything is written."""
    user = caller(request)
    targets: list[tuple[Organization, User]] = [
        alert_mapping_target(user, alert.labels) for alert in payload.alerts
    ]
    answers = []
    for alert, (organization, requester) in zip(payload.alerts, targets, strict=True):
        title, description = _text(alert)
        result = alert_receive(
            by=user,
            organization=organization,
            requester=requester,
            dedup_key=_fingerprint(alert),
            title=title,
            description=description,
            severity=alert.labels.get("severity", ""),
            status=alert.status or FIRING,
            starts_at=parse_datetime(alert.startsAt) if alert.startsAt else None,
            source=AlertGroup.Source.ALERTMANAGER,
            excerpt=json.dumps(alert.dict(), ensure_ascii=False)[:2000],
        )
        answers.append(_answer(result))
    return {"alerts": answers}
