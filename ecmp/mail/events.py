"""Which emails a ticket event sends. Internal events never reach a customer."""

from __future__ import annotations

from ecmp.accounts.models import User
from ecmp.mail import outbound
from ecmp.tickets.followers import BatchFollowers, batch_followers
from ecmp.tickets.models import NOT_ACKNOWLEDGED, EventKind, Ticket, TicketEvent
from ecmp.tickets.selectors import SupportTeams
from ecmp.tickets.status import Channel, Status
from ecmp.tickets.subscribers import EventSubscriber


def _receives_ticket_mail(user: User, ticket: Ticket) -> bool:
    """A deactivated person, or one of a deactivated client company, gets no ticket
    mail: they can no longer sign in to read or answer it.

    From what the dispatch loaded (the ticket with its requester and organization):
    the person's company is the ticket's, read again only for someone of another one.
    """
    if not user.is_active:
        return False
    if user.organization_id is None:
        return True
    if user.organization_id == ticket.organization_id:
        return ticket.organization.active
    return user.organization is not None and user.organization.active


def emails_for_event(
    event: TicketEvent,
    teams: SupportTeams,
    threads: dict[int, list[tuple]],
    outbox: outbound.OutboxBatch | None = None,
    followers: BatchFollowers | None = None,
) -> int:
    """The event's emails; `threads`: its batch's recent emails by ticket, if read;
    `outbox`: where they are written together; `followers`: the batch's followers.

    Agents who follow the ticket get what its assignee gets; customers who follow it
    get what its requester gets (each with their own reply token), but for the
    acknowledgement of a new ticket (theirs is "you follow this ticket"). One email
    per person and event, never to the one who acted."""
    ticket, actor = event.ticket, event.actor
    mail = outbound.TicketMail(ticket, threads.get(ticket.pk), outbox=outbox)
    by_staff = actor is not None and actor.is_support_staff
    followers = followers or BatchFollowers([ticket])
    team = [
        agent
        for agent in {a.pk: a for a in teams.of(ticket) + followers.agents(ticket)}.values()
        if agent.pk != event.actor_id and _receives_ticket_mail(agent, ticket)
    ]
    requester = _receives_ticket_mail(ticket.requester, ticket)
    # The requester (None: not to be mailed) and the customers who follow the ticket.
    customers: list[User | None] = [None] if requester else []
    if event.kind != EventKind.CREATED and not event.internal:
        customers += [
            person
            for person in followers.customers(ticket)
            if person.pk != event.actor_id and _receives_ticket_mail(person, ticket)
        ]
    sent = 0
    if event.kind == EventKind.CREATED:
        # Acknowledged: a ticket that came by email, or one an agent opened for a
        # caller (unless the agent unticked it); a customer's web ticket is on screen.
        acknowledged = ticket.channel == Channel.EMAIL or by_staff
        if requester and acknowledged and event.to_value != NOT_ACKNOWLEDGED:
            outbound.send_ticket_received(mail)
            sent += 1
        for agent in team:
            outbound.send_agent_new_ticket(mail, agent)
            sent += 1
    elif event.kind == EventKind.SLA_BREACH:
        for agent in team:
            outbound.send_agent_sla_breach(mail, agent, event.to_value)
            sent += 1
    elif event.internal:
        return 0
    elif event.kind == EventKind.FOLLOWER_ADDED:
        for person in customers:
            if person is not None and str(person.pk) == event.from_value:
                outbound.send_ticket_follower_added(mail, person, actor)
                sent += 1
    elif event.kind == EventKind.REPLIED and event.message is not None:
        if by_staff:
            for person in customers:
                outbound.send_agent_reply(mail, event.message, to=person)
                sent += 1
        else:
            for agent in team:
                outbound.send_agent_customer_reply(mail, agent, event.message)
                sent += 1
    elif event.kind == EventKind.STATUS and by_staff:
        accepted = event.from_value == Status.NEW and event.to_value in (Status.OPEN, Status.WAIT)
        closed = event.to_value == Status.CLOSED and event.actor_id != ticket.requester_id
        if accepted:
            for person in customers:
                outbound.send_ticket_accepted(mail, to=person)
                sent += 1
        elif closed:
            # The close's note (a public message) in the same email: one, not two.
            for person in customers:
                outbound.send_ticket_closed(mail, event.message, to=person)
                sent += 1
    elif event.kind == EventKind.STATUS and actor and event.to_value == Status.CLOSED:
        # The customer closed it: whoever works on it should know. A customer
        # reopens only by writing, and that message is mailed to the team already.
        for agent in team:
            outbound.send_agent_customer_closed(mail, agent, actor)
            sent += 1
    return sent


class MailSubscriber(EventSubscriber):
    """Registered by MailConfig.ready(): ticket events send emails. A batch reads its
    tickets' past emails at once; an event's emails are written in one statement."""

    def preload(self, tickets: list[Ticket]) -> tuple[dict[int, list[tuple]], BatchFollowers]:
        return outbound.mail_threads_preload(tickets), batch_followers(tickets)

    def handle(
        self,
        event: TicketEvent,
        teams: SupportTeams,
        preloaded: tuple[dict[int, list[tuple]], BatchFollowers],
    ) -> int:
        threads, followers = preloaded
        # Inside the event's savepoint: if anything fails, no email of it is written.
        with outbound.OutboxBatch() as outbox:
            return emails_for_event(event, teams, threads, outbox, followers)
