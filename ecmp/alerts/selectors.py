"""Reads for alerts: for whom an alert opens its ticket (the token's owner, the body's
organization or an admin's label mapping), and the admins' list of mappings."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ecmp.accounts.models import Organization, User
from ecmp.alerts.models import AlertMapping
from ecmp.core.access import is_staff_member, require_admin
from ecmp.tickets.services.create import may_request_tickets

# Labels looked at for a mapping: an alert carries a handful; more is not an alert.
LABELS_MAX = 100


def _requester_refused() -> ValidationError:
    return ValidationError(
        _(
            "The requester must be an active user of this client company: "
            "alert tickets are opened for client users only."
        ),
        code="requester",
    )


def alert_target_for(
    user: User, *, organization_id: int | None, requester_id: int | None
) -> tuple[Organization, User]:
    """The client and requester of `user`'s alert: a customer's token posts for its
    owner, in their company; the support team's names the company (`organization`)
    and may name the requester, who is otherwise the company's mapped requester or
    its first team manager."""
    if not is_staff_member(user):
        if not may_request_tickets(user) or user.organization is None:
            raise _requester_refused()
        if organization_id not in (None, user.organization_id) or requester_id not in (
            None,
            user.pk,
        ):
            raise ValidationError(
                _(
                    "A client's token posts alerts for its owner only: "
                    "leave out organization and requester."
                ),
                code="organization",
            )
        return user.organization, user
    if organization_id is None:
        raise ValidationError(
            _("Name the client company: organization, its id (a support team's token)."),
            code="organization",
        )
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise ValidationError(_("Unknown organization."), code="organization")
    requester = _requester_of(organization, requester_id)
    return organization, requester


def _requester_of(organization: Organization, requester_id: int | None) -> User:
    people = User.objects.select_related("organization").filter(organization=organization)
    if requester_id is not None:
        requester = people.filter(pk=requester_id).first()
    else:
        mapped = AlertMapping.objects.filter(organization=organization).order_by("pk").first()
        requester = (
            mapped.requester
            if mapped is not None
            else people.filter(is_active=True, is_team_manager=True).order_by("pk").first()
        )
        if requester is None:
            raise ValidationError(
                _(
                    "Name the requester: this client company has no team manager "
                    "to open alerts for."
                ),
                code="requester",
            )
    if requester is None or not may_request_tickets(requester):
        raise _requester_refused()
    return requester


def alert_mapping_find(labels: Mapping[str, str]) -> AlertMapping | None:
    """The mapping one of these labels names (the first by label, then value)."""
    pairs = [(k, v) for k, v in list(labels.items())[:LABELS_MAX] if k and v]
    if not pairs:
        return None
    match = Q()
    for label, value in pairs:
        match |= Q(label=label, value=value)
    return (
        AlertMapping.objects.select_related("organization", "requester__organization")
        .filter(match)
        .order_by("label", "value")
        .first()
    )


def alert_mapping_target(user: User, labels: Mapping[str, str]) -> tuple[Organization, User]:
    """An Alertmanager alert's client: the token owner's for a customer, else the mapping."""
    if not is_staff_member(user):
        return alert_target_for(user, organization_id=None, requester_id=None)
    mapping = alert_mapping_find(labels)
    if mapping is None:
        raise ValidationError(
            _(
                "No alert mapping matches this alert's labels: an admin adds one in the "
                "desk (Settings → Alert mappings), e.g. customer=acme."
            ),
            code="mapping",
        )
    if not may_request_tickets(mapping.requester):
        raise _requester_refused()
    return mapping.organization, mapping.requester


def alert_mappings_for_admin(user: User) -> QuerySet[AlertMapping]:
    require_admin(user)
    return AlertMapping.objects.select_related("organization", "requester").order_by(
        "label", "value"
    )
