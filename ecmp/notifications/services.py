"""Every write to notifications: creating them from events, marking them viewed."""

from __future__ import annotations

from django.utils import timezone

from ecmp.accounts.models import User
from ecmp.notifications.models import Notification
from ecmp.notifications.selectors import notification_list_for
from ecmp.notifications.ticket_unread import has_unread_for_ticket
from ecmp.tickets.followers import BatchFollowers, batch_followers
from ecmp.tickets.models import EventKind, Ticket, TicketEvent
from ecmp.tickets.selectors import SupportTeams
from ecmp.tickets.status import Status
from ecmp.tickets.subscribers import EventSubscriber

# What the requester hears about when somebody else does it.
_FOR_REQUESTER = {
    EventKind.STATUS,
    EventKind.REOPENED,
    EventKind.REPLIED,
    EventKind.PRIORITY,
}


def _for_requester(event: TicketEvent) -> list[User]:
    if event.internal or event.kind not in _FOR_REQUESTER:
        return []
    requester = event.ticket.requester
    if event.actor_id == requester.pk:
        return []
    if event.kind == EventKind.REPLIED and not (event.actor and event.actor.is_support_staff):
        # A colleague writing on the ticket is not the support team answering.
        return []
    return [requester] if requester.is_active else []


def _for_followers(event: TicketEvent, followers: BatchFollowers) -> list[User]:
    """Customers who follow the ticket hear what its requester hears; the one added
    as a follower by someone else hears of it. Agents who follow it: with the team."""
    if event.internal:
        return []
    people = followers.customers(event.ticket)
    if event.kind == EventKind.FOLLOWER_ADDED:
        return [p for p in people if str(p.pk) == event.from_value and p.pk != event.actor_id]
    if event.kind not in _FOR_REQUESTER:
        return []
    if event.kind == EventKind.REPLIED and not (event.actor and event.actor.is_support_staff):
        return []
    return [p for p in people if p.pk != event.actor_id]


def _for_support_team(event: TicketEvent, teams: SupportTeams) -> list[User]:
    by_customer = event.actor is not None and not event.actor.is_support_staff
    customer_wrote = event.kind == EventKind.REPLIED and not (
        event.actor and event.actor.is_support_staff
    )
    # A customer closing or reopening (by writing) their ticket: its agent should know.
    customer_closed = (
        by_customer and event.kind == EventKind.STATUS and event.to_value == Status.CLOSED
    )
    customer_reopened = by_customer and event.kind == EventKind.REOPENED
    if (
        event.kind in (EventKind.CREATED, EventKind.SLA_BREACH)
        or customer_wrote
        or customer_closed
        or customer_reopened
    ):
        return [user for user in teams.of(event.ticket) if user.pk != event.actor_id]
    return []


def _recipients(
    event: TicketEvent, teams: SupportTeams, followers: BatchFollowers | None = None
) -> list[User]:
    # Internal events only ever reach the support team.
    people = _for_requester(event) + _for_support_team(event, teams)
    if followers is not None:
        people += _for_followers(event, followers)
        if _for_support_team(event, teams):  # the agents who follow it, with the team
            people += [a for a in followers.agents(event.ticket) if a.pk != event.actor_id]
    return list({person.pk: person for person in people}.values())


def notifications_for_event(
    event: TicketEvent, teams: SupportTeams, followers: BatchFollowers | None = None
) -> list[Notification]:
    """The event's notifications, in one statement; those an earlier run of the same
    dispatch already made are left as they are (the unique recipient and event)."""
    notifications = [
        Notification(
            recipient=recipient, ticket=event.ticket, event=event, created_at=event.created_at
        )
        for recipient in _recipients(event, teams, followers)
    ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return notifications


class NotificationSubscriber(EventSubscriber):
    """Registered by NotificationsConfig.ready(): ticket events make notifications."""

    def preload(self, tickets: list[Ticket]) -> BatchFollowers:
        return batch_followers(tickets)

    def handle(self, event: TicketEvent, teams: SupportTeams, preloaded: BatchFollowers) -> int:
        return len(notifications_for_event(event, teams, preloaded))


def notification_mark_viewed(*, user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications viewed; None if it is not theirs."""
    notification = notification_list_for(user).filter(pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_viewed(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


def notification_mark_viewed_for_ticket(*, user: User, ticket: Ticket) -> int:
    if not has_unread_for_ticket(user.pk, ticket.pk):  # most views: nothing to write
        return 0
    return Notification.objects.filter(recipient=user, ticket=ticket, read_at=None).update(
        read_at=timezone.now()
    )
