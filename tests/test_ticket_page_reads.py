"""The ticket page's reads compiled once per process (core/prepared.py): the ticket
(`access_ticket`, one statement per shape of the visibility rule) and the thread
(tickets/thread_reads.py) give what the ORM gives, to the same people only."""

import pytest
from django.http import Http404

from ecmp.accounts.models import Organization, User
from ecmp.core.prepared_rows import ConvertedRead
from ecmp.tickets import services
from ecmp.tickets.models import Attachment, Ticket, TicketEvent
from ecmp.tickets.selectors import (
    _PEOPLE_UNREAD,
    access_ticket,
    ticket_for_staff,
    tickets_visible_to,
    visibility_shape,
)
from ecmp.tickets.services.followers import follower_add
from ecmp.tickets.status import Priority
from ecmp.tickets.thread_reads import support_question, thread_with_files
from tests.factories import UserFactory, make_ticket, upload

_RELATED = ("requester", "organization", "assignee", "related_to", "category")


def _through_the_orm(user: User, number: int) -> Ticket | None:
    """The read as the ORM made it before (select_related, the same columns deferred)."""
    unread = (
        "search_document",
        *(f"{who}__{name}" for who in ("requester", "assignee") for name in _PEOPLE_UNREAD),
        *(
            f"related_to__{f.name}"
            for f in Ticket._meta.concrete_fields
            if f.name not in ("id", "number")
        ),
    )
    return (
        tickets_visible_to(user)
        .select_related(*_RELATED)
        .defer(*unread)
        .filter(number=number)
        .first()
    )


def _fields(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


def _prepared(user: User, number: int) -> Ticket | None:
    try:
        return access_ticket(user, number)
    except Http404:
        return None


def _same(user: User, number: int) -> bool:
    """Whether `access_ticket` gives `user` what the ORM gives, field by field and
    joined model by joined model; and whether that is a ticket."""
    expected, got = _through_the_orm(user, number), _prepared(user, number)
    assert (expected is None) == (got is None), (user, number)
    if expected is None or got is None:
        return False
    assert _fields(got) == _fields(expected)
    assert got.get_deferred_fields() == expected.get_deferred_fields()
    for name in _RELATED:
        assert getattr(Ticket, name).is_cached(got)  # no query when a page reads it
        one, other = getattr(expected, name), getattr(got, name)
        assert (one is None) == (other is None), name
        if one is not None:
            assert _fields(other) == _fields(one), name
            assert other.get_deferred_fields() == one.get_deferred_fields(), name
    return True


@pytest.fixture
def tickets(alice, bob, carol, agnes):
    """Alice's (assigned, with a category, following up another), Bob's (followed by
    Dave), Carol's at Globex, and one of Acme's without an organization's manager's view."""
    from ecmp.tickets.models import Category

    category = Category.objects.create(name_en="Printers", name_fr="Imprimantes")
    first = make_ticket(alice, subject="First")
    own = make_ticket(alice, subject="Alice's", related_to=first, category=category)
    services.ticket_accept(ticket=own, actor=agnes)
    services.ticket_set_priority(ticket=own, actor=agnes, priority=Priority.HIGH, reason="VIP")
    bobs = make_ticket(bob, subject="Bob's")
    carols = make_ticket(carol, subject="Carol's")
    return {"first": first, "own": own, "bob": bobs, "carol": carols}


@pytest.mark.parametrize("managers_see_all", [False, True])
def test_the_ticket_read_is_the_orms_for_every_shape_of_the_rule(
    tickets, alice, bob, carol, agnes, adam, managers_see_all
):
    acme = Organization.objects.get(pk=alice.organization_id)
    acme.managers_see_all_tickets = managers_see_all
    acme.save(update_fields=["managers_see_all_tickets"])
    dave = UserFactory(email="dave@acme.test", full_name="Dave Dupont", organization=acme)
    follower_add(ticket=tickets["bob"], user=dave, by=bob)
    people = [
        User.objects.select_related("organization").get(pk=p.pk)
        for p in (alice, bob, carol, agnes, adam, dave)
    ]
    seen = {
        person.email: {name for name, t in tickets.items() if _same(person, t.number)}
        for person in people
    }
    mine = {"first", "own"}
    assert seen["alice@acme.test"] == (mine | {"bob"} if managers_see_all else mine)
    assert seen["bob@acme.test"] == {"bob"}
    assert seen["carol@globex.test"] == {"carol"}
    assert seen["dave@acme.test"] == {"bob"}  # a follower, while at Acme
    assert seen["agnes@support.test"] == seen["adam@support.test"] == set(tickets)
    # Each shape of the rule has its own statement: the shapes met here differ.
    assert len({visibility_shape(p) for p in people}) == (3 if managers_see_all else 2)


def test_a_follower_who_leaves_the_company_no_longer_sees_the_ticket(tickets, bob, carol):
    dave = UserFactory(
        email="dave@acme.test", full_name="Dave", organization_id=bob.organization_id
    )
    follower_add(ticket=tickets["bob"], user=dave, by=bob)
    assert _same(dave, tickets["bob"].number)
    User.objects.filter(pk=dave.pk).update(organization=carol.organization)
    dave = User.objects.select_related("organization").get(pk=dave.pk)
    assert not _same(dave, tickets["bob"].number)


def test_no_ticket_for_the_inactive_nor_numbers_out_of_range(tickets, alice, agnes):
    number = tickets["own"].number
    assert access_ticket(alice, str(number)).pk == tickets["own"].pk
    for wrong in (-1, 2**31, 10**30, "", "x", None):
        with pytest.raises(Http404):
            access_ticket(alice, wrong)
    alice.is_active = False
    with pytest.raises(Http404):
        access_ticket(alice, number)
    with pytest.raises(Http404):
        ticket_for_staff(alice, number)  # a customer, active or not
    assert ticket_for_staff(agnes, number).pk == tickets["own"].pk


def test_the_ticket_read_gives_a_model_the_services_save(tickets, alice, agnes):
    ticket = access_ticket(agnes, tickets["own"].number)
    services.ticket_reply(ticket=ticket, author=agnes, body="Saved through the read")
    assert TicketEvent.objects.filter(
        ticket=ticket, message__body="Saved through the read"
    ).exists()
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def _orm_thread(ticket: Ticket, *, staff: bool) -> list[tuple]:
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor", "message")
    if not staff:
        events = events.filter(internal=False)
    return [
        (
            e.pk,
            e.kind,
            e.from_value,
            e.to_value,
            e.internal,
            e.created_at,
            e.actor.full_name if e.actor else None,
            e.actor.role if e.actor else None,
            e.message_id,
            e.message.body if e.message else None,
        )
        for e in events.order_by("created_at", "id")
    ]


def test_the_thread_is_the_orms_and_a_customer_never_reads_a_note(alice, agnes):
    ticket = make_ticket(alice, files=[upload("opening.png")])
    services.ticket_accept(ticket=ticket, actor=agnes)
    services.ticket_reply(
        ticket=ticket, author=agnes, body="Secret", internal=True, files=[upload("note.png")]
    )
    services.ticket_reply(ticket=ticket, author=agnes, body="Hi", files=[upload("hi.png")])
    services.ticket_reply(ticket=ticket, author=alice, body="Thanks")
    ticket = Ticket.objects.get(pk=ticket.pk)
    for staff in (True, False):
        thread, opening = thread_with_files(ticket, staff=staff)
        assert [tuple(e)[:-1] for e in thread] == _orm_thread(ticket, staff=staff)
        assert all(isinstance(e.internal, bool) for e in thread)
        assert all(e.created_at.tzinfo is not None for e in thread)
        files = {e.body: [f.original_name for f in e.files] for e in thread if e.message_id}
        assert files["Hi"] == ["hi.png"] and files["Thanks"] == []
        assert [f.original_name for f in opening] == ["opening.png"]
        stored = Attachment.objects.get(original_name="hi.png")
        (hi,) = files_of = [f for e in thread for f in e.files if f.original_name == "hi.png"]
        assert files_of and (hi.pk, hi.size, hi.content_type) == (
            stored.pk,
            stored.size,
            stored.content_type,
        )
        # The question a waiting ticket shows: the support team's last message.
        asked = support_question(thread)
        assert asked is not None and asked.body == "Hi"
        if staff:
            assert files["Secret"] == ["note.png"]
        else:
            assert "Secret" not in files and not any(e.internal for e in thread)


def test_converted_reads_type_values_as_the_orm(alice):
    read = ConvertedRead(
        lambda pk: User.objects.filter(pk=pk).values_list("is_active", "date_joined", "pk"),
        ("integer",),
    )
    (row,) = read.rows(alice.pk)
    assert row == tuple(
        User.objects.filter(pk=alice.pk).values_list("is_active", "date_joined", "pk")[0]
    )
    assert row[0] is True


def test_the_thread_s_words_follow_the_language_of_each_page(alice, agnes):
    from django.template import engines
    from django.utils import translation

    from ecmp.tickets.presentation import thread_entries
    from ecmp.tickets.status import Status

    ticket = make_ticket(alice)
    services.ticket_accept(ticket=ticket, actor=agnes)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    thread, opening = thread_with_files(ticket, staff=False)

    def words(language: str) -> list[str]:
        with translation.override(language):
            # The page's own entries, none kept (as where templates are read again).
            env = engines["jinja2"].env.overlay(auto_reload=True)
            items = thread_entries(env, thread, ticket, opening, None, "x")
            return [entry.summary for _kept, entry, _key in items]

    english = words("en")
    assert "Ticket created" in english and "Status changed from Open to Wait" in english
    french = words("fr")
    assert "Ticket created" not in french and any("→" in w for w in french)
    assert words("en") == english and words("fr") == french


# --- The customer's lists (tickets/customer_list_reads.py) ---------------------------


def _orm_list(user, which, sort, text=""):
    from ecmp.tickets.customer_list_reads import ROW
    from ecmp.tickets.selectors import ticket_list_for_customer

    return list(ticket_list_for_customer(user, which=which, text=text, sort=sort).values_list(*ROW))


@pytest.mark.parametrize("managers_see_all", [False, True])
def test_the_customer_lists_are_the_orms_for_every_shape(
    alice, bob, carol, agnes, managers_see_all, settings
):
    from ecmp.tickets.customer_list_reads import CustomerList
    from ecmp.tickets.status import Status

    acme = Organization.objects.get(pk=alice.organization_id)
    acme.managers_see_all_tickets = managers_see_all
    acme.save(update_fields=["managers_see_all_tickets"])
    for n in range(4):
        make_ticket(alice, subject=f"Alice {n}")
        make_ticket(bob, subject=f"Bob {n}")
        make_ticket(carol, subject=f"Carol {n}")
    closed = make_ticket(bob, subject="Closed")
    services.ticket_transition(ticket=closed, actor=agnes, status=Status.CLOSED)
    dave = UserFactory(email="dave@acme.test", full_name="Dave", organization=acme)
    follower_add(ticket=closed, user=dave, by=bob)
    people = [
        User.objects.select_related("organization").get(pk=p.pk)
        for p in (alice, bob, carol, agnes, dave)
    ]
    for person in people:
        for which in ("open", "recent", "archive"):
            for sort in ("-activity", "number", "-priority", "subject"):
                expected = _orm_list(person, which, sort)
                tickets = CustomerList(person, which=which, text="", sort=sort)
                assert tickets.count(10_000) == len(expected)
                assert tickets.rows(0, 3) == expected[:3]
                assert tickets.rows(3, 3) == expected[3:6]  # a later page, through the ORM
                assert CustomerList(person, which=which, text="", sort=sort).count(2) == min(
                    len(expected), 3
                )
        found = CustomerList(person, which="open", text="Bob", sort="-activity")
        assert found.rows(0, 25) == _orm_list(person, "open", "-activity", text="Bob")
    alice_sees = {
        row.subject
        for row in CustomerList(people[0], which="open", text="", sort="number").rows(0, 25)
    }
    assert {"Alice 0", "Bob 0"} <= alice_sees if managers_see_all else "Bob 0" not in alice_sees
    assert not any(s.startswith("Carol") for s in alice_sees)
    dave_sees = CustomerList(people[4], which="recent", text="", sort="number").rows(0, 25)
    assert [row.subject for row in dave_sees] == ["Closed"]  # followed, through the ORM


def test_the_service_desk_list_pages_through_the_compiled_reads(client_for, alice, settings):
    from django.urls import reverse

    settings.ECMP_LIST_PAGE_SIZE = 2
    for n in range(5):
        make_ticket(alice, subject=f"Number {n}")
    client = client_for(alice)
    pages = [
        client.get(
            reverse("portal:service-desk"), {"sort": "number", "page": page}
        ).content.decode()
        for page in (1, 2, 3)
    ]
    assert "Page 1 of 3" in pages[0] and "Number 0" in pages[0] and "Number 1" in pages[0]
    assert "Number 2" in pages[1] and "Number 3" in pages[1] and "Number 0" not in pages[1]
    assert "Number 4" in pages[2] and "Page 3 of 3" in pages[2]


_BODIES = [
    "Thanks",
    "x < y & z > w, no quote nor break",
    "<script>alert('x')</script> & \"quotes\"\r\nline two\rline three\n\nend",
    "a &amp; b <b>bold</b> 'single' \"double\" (paren) [bracket] &lt;",
    "Visit www.example.test now",
    "Mail me@example.test, or call: thanks",
    "http://example.test/?a=1&b=<2>",
    "A sentence. Another one: with a colon, then the end.",
    "HTTPS://EXAMPLE.TEST/x and WWW.EXAMPLE.TEST",
    "see example.COM or shop.org/path, and mail Someone@Example.Test.",
    "odd.int(3) and https://[::1]/ and ftp://example.test",
    "Hello,\n\nThank you. See https://support.example.com/kb/a-5.\r\n\rBest regards,\nUs",
    "Line one\r\nline 'two' & <three>\n\nhelpdesk@example.com\n",
    "Two\nlines & <b>, no quote",
]


def test_a_body_without_a_possible_link_is_written_as_urlize_writes_it(alice, agnes):
    from pathlib import Path

    from django.conf import settings
    from django.template import engines

    ticket = make_ticket(alice, description="No link here\r\n<i>at all</i>")
    for body in _BODIES:
        services.ticket_reply(ticket=ticket, author=agnes, body=body)
    ticket = Ticket.objects.get(pk=ticket.pk)
    thread, opening = thread_with_files(ticket, staff=True)
    context = {"thread": thread, "ticket": ticket, "opening_files": opening, "download": "x"}
    env = engines["jinja2"]
    source = Path(settings.BASE_DIR, "jinja2/includes/thread.html").read_text()
    always = "{{ e.body|urlize|linebreaksbr }}"
    fast = (
        "{% if e.plain %}{{ e.body }}{% else %}{% for text, how in e.pieces %}"
        "{% if how == 0 %}{{ text[0] }}{% for line in text[1:] %}<br>{{ line }}{% endfor %}"
        "{% elif how == 1 %}{{ text|urlize|linebreaksbr }}{% else %}{{ text|linebreaksbr }}"
        "{% endif %}{% endfor %}{% endif %}"
    )
    assert fast in source
    expected = env.from_string(source.replace(fast, always)).render(context)
    assert env.get_template("includes/thread.html").render(context) == expected
    assert '<a href="http://www.example.test"' in expected and "&lt;script&gt;" in expected


@pytest.mark.parametrize(
    "body",
    [None, "   ", "<script>alert('x')</script> & \"q\"\n" * 3000],  # unbound, blank, too long
)
def test_the_reply_field_is_written_as_django_writes_it(client_for, alice, body):
    from django.template import engines
    from django.urls import reverse

    from ecmp.tickets.forms import ReplyForm

    ticket = make_ticket(alice)
    client = client_for(alice)
    if body is None:
        form = ReplyForm()
        response = client.get(reverse("portal:ticket-detail", args=[ticket.number]))
    else:
        form = ReplyForm({"body": body})
        assert not form.is_valid()
        url = reverse("portal:ticket-reply", args=[ticket.number])
        response = client.post(url, {"body": body})
        assert response.status_code == 400
    django_s = engines["jinja2"].from_string(
        '{% with field=form.body %}{% include "includes/field.html" %}{% endwith %}'
    )
    expected = django_s.render({"form": form})
    assert "<textarea" in expected and expected in response.content.decode()
