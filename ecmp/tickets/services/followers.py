"""Followers of a ticket (issue 18 §4): who may add or remove whom.

- The requester adds or removes colleagues: active customers of the ticket's
  organization. Anyone who follows may stop following.
- An agent adds or removes the organization's customers, and follows or unfollows
  any ticket themself (never another agent).
- A customer of another organization, an inactive person, the requester, someone
  already following: refused, with a ValidationError written for the user.

Each change records a TicketEvent (FOLLOWER_ADDED / FOLLOWER_REMOVED) in the same
transaction: `to_value` is the person's name, `from_value` their id (for the event's
subscribers: the added person hears of it). A customer follower's events are public
(the thread says who can read the ticket); an agent's own Follow / Unfollow is
internal (the support team's business, never shown to a customer). Following changes
nothing of the ticket itself: neither its version nor its last activity.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ecmp.accounts.models import Role, User
from ecmp.core.access import is_staff_member
from ecmp.tickets.events import event_record
from ecmp.tickets.followers import is_follower_candidate
from ecmp.tickets.models import EventKind, Ticket, TicketFollower
from ecmp.tickets.selectors import ticket_visible_to
from ecmp.tickets.services.common import lock


def _lock(ticket: Ticket, by: User) -> Ticket:
    """The ticket's row locked for this transaction (two people adding the same
    follower at once: one wins, the other is told), if `by` may see it."""
    if not ticket_visible_to(by, ticket):
        raise PermissionDenied
    return lock(ticket)


def _check_add(ticket: Ticket, user: User, by: User) -> None:
    staff = is_staff_member(by)
    if ticket.is_archived:
        raise ValidationError(
            _("This ticket is archived: nobody can start following it."), code="archived"
        )
    if user.is_support_staff:
        if not (staff and user.pk == by.pk):
            raise ValidationError(
                _("An agent follows a ticket by themself."), code="agent_follower"
            )
        return
    if not staff and by.pk != ticket.requester_id:
        raise PermissionDenied  # a follower does not add others
    if user.pk == ticket.requester_id:
        raise ValidationError(
            _("%(name)s opened this ticket: they receive its news already.")
            % {"name": user.full_name},
            code="requester",
        )
    if not is_follower_candidate(user, ticket):
        raise ValidationError(
            _(
                "%(name)s cannot follow this ticket: only active members of "
                "%(organization)s can follow its tickets."
            )
            % {"name": user.full_name, "organization": ticket.organization.name},
            code="not_a_colleague",
        )


def follower_add(*, ticket: Ticket, user: User, by: User) -> TicketFollower:
    """`user` starts following `ticket`, added by `by` (or by themself)."""
    with transaction.atomic():
        locked = _lock(ticket, by)
        locked.organization = ticket.organization  # already read by the caller
        _check_add(locked, user, by)
        if TicketFollower.objects.filter(ticket=locked, user=user).exists():
            raise ValidationError(
                _("%(name)s already follows this ticket.") % {"name": user.full_name},
                code="already",
            )
        follower = TicketFollower.objects.create(ticket=locked, user=user, added_by=by)
        _record(locked, user, by, EventKind.FOLLOWER_ADDED)
    return follower


def follower_remove(*, ticket: Ticket, user: User, by: User) -> None:
    """`user` stops following `ticket`: by themself, or removed by the requester (a
    customer) or an agent (a customer, or themself)."""
    with transaction.atomic():
        locked = _lock(ticket, by)
        if user.pk != by.pk:
            staff = is_staff_member(by)
            if user.role != Role.CUSTOMER:
                raise ValidationError(
                    _("An agent stops following a ticket by themself."), code="agent_follower"
                )
            if not staff and by.pk != locked.requester_id:
                raise PermissionDenied
        deleted, _rows = TicketFollower.objects.filter(ticket=locked, user=user).delete()
        if not deleted:
            raise ValidationError(
                _("%(name)s does not follow this ticket.") % {"name": user.full_name},
                code="not_following",
            )
        _record(locked, user, by, EventKind.FOLLOWER_REMOVED)


def followers_add_copied(*, ticket: Ticket, by: User, people: Iterable[User]) -> list[User]:
    """The colleagues a customer copied on a proven email about `ticket` (inbound
    mail, new ticket or reply) follow it. Whoever may not is left out, silently: a
    stranger or a person of another organization is never given access. Returns who
    was added. Called inside the mail's transaction, after the ticket or reply."""
    added: list[User] = []
    if not by.is_customer or not ticket_visible_to(by, ticket) or ticket.is_archived:
        return added
    candidates = [p for p in people if p.pk != by.pk and is_follower_candidate(p, ticket)]
    if not candidates:
        return added
    with transaction.atomic():
        locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        already = set(
            TicketFollower.objects.filter(ticket=locked, user__in=candidates).values_list(
                "user_id", flat=True
            )
        )
        for person in candidates:
            if person.pk in already:
                continue
            already.add(person.pk)
            TicketFollower.objects.create(ticket=locked, user=person, added_by=by)
            _record(locked, person, by, EventKind.FOLLOWER_ADDED)
            added.append(person)
    return added


def _record(ticket: Ticket, user: User, by: User, kind: EventKind) -> None:
    event_record(
        ticket=ticket,
        actor=by,
        kind=kind,
        from_value=str(user.pk),
        to_value=(user.full_name or user.email)[:100],
        internal=user.is_support_staff,
    )
