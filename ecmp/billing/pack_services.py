"""Writes of prepaid hours (issue 19 §2): admins sell packs and delete them while no
invoice drew from them; the alerts when a client's hours in force run low."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Organization, Role, User
from ecmp.billing.charges import UNIT_PRICE_MAX, charge_add
from ecmp.billing.duration import format_duration
from ecmp.billing.mailer import billing_mailer
from ecmp.billing.models import BillingProfile, Charge, HourPack
from ecmp.billing.packs import pack_balance
from ecmp.core.access import require_admin
from ecmp.sla.contract_selectors import contract_in_force

# Ten thousand hours: beyond is a typo, not a pack.
MAX_PACK_MINUTES = 10_000 * 60


def _vat_rate(organization: Organization) -> Decimal:
    rate = (
        BillingProfile.objects.filter(organization=organization)
        .values_list("vat_rate", flat=True)
        .first()
    )
    return rate if rate is not None else Decimal(settings.ECMP_VAT_RATE)


@transaction.atomic
def hour_pack_add(
    *,
    by: User,
    organization: Organization,
    minutes: int,
    price: Decimal,
    sold_on: date,
    expires_on: date | None = None,
    description: str = "",
    bill: bool = True,
) -> HourPack:
    """Sell a pack; with `bill`, its price waits for the client's next invoice as a
    charge (VAT of the client's billing profile)."""
    require_admin(by)
    description = (description or "").replace("\x00", "").strip()[:200]
    if not 0 < minutes <= MAX_PACK_MINUTES:
        raise ValidationError(_("A pack holds from 1 minute to 10,000 hours."), code="minutes")
    if not Decimal(0) <= price < UNIT_PRICE_MAX:
        raise ValidationError(_("The price must be 0 or more."), code="price")
    if expires_on is not None and expires_on < sold_on:
        raise ValidationError(_("A pack cannot expire before it is sold."), code="expires_on")
    charge = None
    if bill:
        charge = charge_add(
            by=by,
            organization=organization,
            day=sold_on,
            description=_("Prepaid hours: %(hours)s") % {"hours": format_duration(minutes)},
            quantity=Decimal(1),
            unit_price=price,
            vat_rate=_vat_rate(organization),
        )
    pack = HourPack.objects.create(
        organization=organization,
        sold_on=sold_on,
        minutes=minutes,
        price=price,
        expires_on=expires_on,
        description=description,
        charge=charge,
        created_by=by,
    )
    today = timezone.localdate()
    # A new pack starts the alerts again: the thresholds count the new total.
    HourPack.objects.filter(organization=organization, alert_level__gt=0).update(alert_level=0)
    audit_record(
        AuditEvent.Kind.HOUR_PACK_CHANGED,
        actor=by,
        target=organization,
        detail=f"pack {pack.pk} added: {format_duration(minutes)} sold on {sold_on}, "
        f"{price}, expires {expires_on or '-'}{', billed' if charge else ''}",
    )
    hour_pack_alerts_check(organization=organization, agent=None, today=today)
    return pack


@transaction.atomic
def hour_pack_delete(*, by: User, pack: HourPack) -> None:
    """Only while no invoice drew from it; its charge goes with it while not invoiced."""
    require_admin(by)
    locked = HourPack.objects.select_for_update().select_related("organization").get(pk=pack.pk)
    if locked.invoice_lines.exists():
        raise ValidationError(
            _("An invoice drew hours from this pack: it can no longer be deleted."),
            code="invoiced",
        )
    # Its sale waiting for the next invoice goes with it; a sale already invoiced stays
    # on its invoice (an issued invoice is never edited).
    charge = (
        Charge.objects.select_for_update().filter(pk=locked.charge_id, invoice__isnull=True).first()
        if locked.charge_id
        else None
    )
    detail = f"pack {locked.pk} deleted: {format_duration(locked.minutes)} sold on {locked.sold_on}"
    organization = locked.organization
    locked.delete()
    if charge is not None:
        charge.delete()
    audit_record(AuditEvent.Kind.HOUR_PACK_CHANGED, actor=by, target=organization, detail=detail)


def _billing_contacts(organization: Organization, today: date) -> list[str]:
    """The contract's billing contacts, else the organization's team managers."""
    contract = contract_in_force(organization.pk, today)
    emails = [e.strip() for e in (contract.billing_emails if contract else "").split(",")]
    found = [e for e in emails if e]
    if found:
        return list(dict.fromkeys(found))
    return list(
        User.objects.filter(
            organization=organization, is_team_manager=True, is_active=True, role=Role.CUSTOMER
        )
        .order_by("pk")
        .values_list("email", flat=True)
    )


def hour_pack_alerts_check(
    *, organization: Organization | int, agent: User | None, today: date | None = None
) -> int | None:
    """After time is logged or a pack added: when the hours used of the packs in force
    reach a threshold (settings.ECMP_HOUR_PACK_ALERTS) not announced yet, email the
    highest one reached, once, to the billing contacts and the agents (the admins and
    `agent`, who logged the time). Runs inside the caller's transaction, so the email
    and the change go together. Returns the level announced, if any."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    today = today or timezone.localdate()
    balance = pack_balance(organization_id, today=today)
    if balance is None:
        return None
    in_force = balance.in_force(today)
    if not in_force or not balance.included_minutes:
        return None
    announced = max(use.pack.alert_level for use in in_force)
    percent = balance.percent_used
    reached = [level for level in settings.ECMP_HOUR_PACK_ALERTS if announced < level <= percent]
    if not reached:
        return None
    level = max(reached)
    # Lock the packs before writing: two entries logged at once announce only once.
    updated = (
        HourPack.objects.select_for_update()
        .filter(pk__in=[use.pack.pk for use in in_force], alert_level__lt=level)
        .order_by("pk")
    )
    pks = list(updated.values_list("pk", flat=True))
    if not pks:
        return None
    HourPack.objects.filter(pk__in=pks).update(alert_level=level)
    client = (
        organization
        if isinstance(organization, Organization)
        else Organization.objects.get(pk=organization_id)
    )
    agents = list(User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk"))
    if agent is not None and agent.is_active and all(a.pk != agent.pk for a in agents):
        agents.append(agent)
    billing_mailer().send_hour_pack_alert(
        client,
        level=level,
        minutes_left=balance.left_minutes,
        customers=_billing_contacts(client, today),
        agents=agents,
    )
    return level
