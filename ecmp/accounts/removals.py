"""Every write of a removal request: a team manager asks the support team to remove
a colleague who left; an agent approves (the account is deactivated, its tickets
and history kept) or declines with a reason. Both answers are emailed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.accounts.removal_mailer import removal_mailer
from ecmp.accounts.removal_models import RemovalRequest
from ecmp.accounts.services import user_set_active
from ecmp.core.access import require_staff


def removal_request_create(*, manager: User, person: User, reason: str) -> RemovalRequest:
    """A team manager asks to remove a colleague: an active client user of their own
    company, never themselves, never a member of the support team."""
    if not (manager.is_active and manager.is_customer and manager.is_team_manager):
        raise PermissionDenied
    if (
        manager.organization_id is None
        or person.organization_id != manager.organization_id
        or not person.is_customer
    ):
        raise PermissionDenied
    if person.pk == manager.pk:
        raise ValidationError(_("You cannot ask to remove yourself."), code="self")
    if not person.is_active:
        raise ValidationError(_("This person's account is already closed."), code="inactive")
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please tell the support team why."), code="no_reason")
    try:
        with transaction.atomic():
            return RemovalRequest.objects.create(
                organization_id=manager.organization_id,
                person=person,
                requested_by=manager,
                reason=reason,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("A request to remove this person is already waiting for an answer."),
            code="pending",
        ) from exc


def _lock_pending(request: RemovalRequest) -> RemovalRequest:
    locked = (
        RemovalRequest.objects.select_for_update()
        .select_related("organization", "person", "requested_by")
        .get(pk=request.pk)
    )
    if locked.status != RemovalRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."), code="answered")
    return locked


@transaction.atomic
def removal_request_approve(*, request: RemovalRequest, by: User) -> RemovalRequest:
    """Deactivate the person (audited as any deactivation), tell the manager and them."""
    require_staff(by)
    locked = _lock_pending(request)
    person = User.objects.select_for_update().get(pk=locked.person_id)
    if person.organization_id != locked.organization_id or not person.is_customer:
        # Moved to another company or made staff since the request: not the manager's to ask.
        raise ValidationError(
            _("This person no longer belongs to the manager's organization."), code="moved"
        )
    was_active = person.is_active
    user_set_active(user=person, by=by, active=False)
    locked.status = RemovalRequest.Status.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    mailer = removal_mailer()
    mailer.send_removal_answered(locked)
    if was_active and not person.is_erased:
        mailer.send_account_closed(locked)
    return locked


@transaction.atomic
def removal_request_decline(*, request: RemovalRequest, by: User, reason: str) -> RemovalRequest:
    require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please give the manager a reason."), code="no_reason")
    locked = _lock_pending(request)
    locked.status = RemovalRequest.Status.DECLINED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decline_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    removal_mailer().send_removal_answered(locked)
    return locked
