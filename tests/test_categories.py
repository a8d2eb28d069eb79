"""Categories: the admins' list, the New Ticket forms, the agent's choice on a ticket,
the queue's filter and rows, shown to the customer in their language."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from ecmp.accounts.models import AuditEvent
from ecmp.tickets.models import Category, EventKind, Ticket, TicketEvent
from ecmp.tickets.services import ticket_accept
from ecmp.tickets.services.categories import (
    category_create,
    category_move,
    category_rename,
    category_set_active,
    ticket_category_set,
)
from tests.factories import make_ticket

QUEUE = reverse("desk:queue")
LIST = reverse("desk:categories")


@pytest.fixture
def hardware(adam):
    return category_create(by=adam, name_en="Hardware", name_fr="Matériel")


@pytest.fixture
def network(adam):
    return category_create(by=adam, name_en="Network", name_fr="Réseau")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


@pytest.fixture
def admin(client_for, adam):
    return client_for(adam)


# --- The admins' list -------------------------------------------------------------


def test_an_admin_adds_renames_orders_and_deactivates(admin, adam):
    response = admin.post(
        reverse("desk:category-new"), {"new-name_en": " Hardware ", "new-name_fr": "Matériel"}
    )
    assert response.status_code == 302
    admin.post(reverse("desk:category-new"), {"new-name_en": "Network", "new-name_fr": "Réseau"})
    hardware, network = Category.objects.order_by("position")
    assert (hardware.name_en, hardware.name_fr, hardware.active) == ("Hardware", "Matériel", True)

    admin.post(
        reverse("desk:category-rename", args=[hardware.pk]),
        {f"c{hardware.pk}-name_en": "Devices", f"c{hardware.pk}-name_fr": "Appareils"},
    )
    admin.post(reverse("desk:category-move", args=[network.pk]), {"to": "up"})
    admin.post(reverse("desk:category-active", args=[hardware.pk]), {"active": "0"})
    assert [(c.name_en, c.active) for c in Category.objects.all()] == [
        ("Network", True),
        ("Devices", False),
    ]
    admin.post(reverse("desk:category-active", args=[hardware.pk]), {"active": "1"})
    assert Category.objects.get(pk=hardware.pk).active
    page = admin.get(LIST).content.decode()
    assert "Devices" in page and "Appareils" in page
    # Every change is in the audit log, by whom.
    assert AuditEvent.objects.filter(kind="category_changed", actor=adam).count() == 6


@pytest.mark.parametrize(
    ("name_en", "name_fr", "error"),
    [
        ("hardware", "Autre", "There is already a category named"),
        ("Other", "MATÉRIEL", "There is already a category named"),
        ("", "Matériel 2", "This field is required."),
        ("Other", "   ", "This field is required."),
        ("x" * 81, "Autre", "at most 80 characters"),
    ],
)
def test_bad_names_are_refused_and_change_nothing(admin, hardware, name_en, name_fr, error):
    response = admin.post(
        reverse("desk:category-new"), {"new-name_en": name_en, "new-name_fr": name_fr}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Category.objects.count() == 1


def test_a_rename_to_another_categorys_name_is_refused(admin, hardware, network):
    response = admin.post(
        reverse("desk:category-rename", args=[network.pk]),
        {f"c{network.pk}-name_en": "HARDWARE", f"c{network.pk}-name_fr": "Réseau"},
    )
    assert response.status_code == 400
    assert "There is already a category named" in response.content.decode()
    network.refresh_from_db()
    assert network.name_en == "Network"


def test_the_services_refuse_duplicates_and_empty_names(adam, hardware):
    with pytest.raises(ValidationError):
        category_create(by=adam, name_en="HARDWARE", name_fr="Autre")
    with pytest.raises(ValidationError):
        category_create(by=adam, name_en="Other", name_fr="  ")
    with pytest.raises(ValidationError):
        category_rename(by=adam, category=hardware, name_en="", name_fr="Matériel")


def test_agents_and_customers_cannot_manage_categories(desk, client_for, alice, agnes, hardware):
    for client in (desk, client_for(alice)):
        assert client.get(LIST).status_code == 403
        for url, data in [
            (reverse("desk:category-new"), {"new-name_en": "X", "new-name_fr": "X"}),
            (
                reverse("desk:category-rename", args=[hardware.pk]),
                {f"c{hardware.pk}-name_en": "X", f"c{hardware.pk}-name_fr": "X"},
            ),
            (reverse("desk:category-active", args=[hardware.pk]), {"active": "0"}),
            (reverse("desk:category-move", args=[hardware.pk]), {"to": "down"}),
        ]:
            assert client.post(url, data).status_code == 403
    hardware.refresh_from_db()
    assert (hardware.name_en, hardware.active, Category.objects.count()) == ("Hardware", True, 1)
    for service in (
        lambda: category_create(by=agnes, name_en="X", name_fr="X"),
        lambda: category_set_active(by=agnes, category=hardware, active=False),
        lambda: category_move(by=agnes, category=hardware, up=True),
    ):
        with pytest.raises(PermissionDenied):
            service()


def test_writes_are_posts(admin, hardware):
    assert admin.get(reverse("desk:category-new")).status_code == 405
    assert admin.get(reverse("desk:category-active", args=[hardware.pk])).status_code == 405


def test_an_unknown_category_is_a_404(admin):
    url = reverse("desk:category-rename", args=[99999])
    assert admin.post(url, {"c99999-name_en": "X", "c99999-name_fr": "X"}).status_code == 404


def test_the_label_follows_the_language(hardware):
    assert hardware.label("fr") == "Matériel"
    assert hardware.label("en") == "Hardware"
    with translation.override("fr"):
        assert hardware.label() == "Matériel"


# --- New tickets --------------------------------------------------------------------


def test_a_customer_chooses_a_category_in_the_new_ticket_form(client_for, alice, hardware):
    customer = client_for(alice)
    form = customer.get(reverse("portal:ticket-new")).content.decode()
    assert "Hardware" in form
    response = customer.post(
        reverse("portal:ticket-new"),
        {"subject": "Printer", "description": "Jammed", "priority": 2, "category": hardware.pk},
    )
    assert response.status_code == 302
    assert Ticket.objects.get().category == hardware


def test_the_category_is_optional_and_hidden_when_there_is_none(client_for, alice):
    customer = client_for(alice)
    assert 'name="category"' not in customer.get(reverse("portal:ticket-new")).content.decode()
    customer.post(
        reverse("portal:ticket-new"), {"subject": "Printer", "description": "Jammed", "priority": 2}
    )
    assert Ticket.objects.get().category is None


def test_an_inactive_category_cannot_be_chosen(client_for, alice, adam, hardware):
    category_set_active(by=adam, category=hardware, active=False)
    customer = client_for(alice)
    assert "Hardware" not in customer.get(reverse("portal:ticket-new")).content.decode()
    response = customer.post(
        reverse("portal:ticket-new"),
        {"subject": "Printer", "description": "Jammed", "priority": 2, "category": hardware.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.exists()
    with pytest.raises(ValidationError):
        make_ticket(alice, category=hardware)


def test_an_agent_sets_the_category_of_a_callers_ticket(desk, alice, hardware):
    response = desk.post(
        reverse("desk:ticket-new"),
        {
            "requester": alice.pk,
            "subject": "Phone call",
            "description": "No network",
            "priority": 2,
            "channel": "phone",
            "category": hardware.pk,
            "create": "1",
        },
    )
    assert response.status_code == 302
    assert Ticket.objects.get().category == hardware


# --- On the ticket ------------------------------------------------------------------


def test_an_agent_sets_the_category_on_the_ticket_page(desk, alice, agnes, hardware, network):
    ticket = make_ticket(alice)
    url = reverse("desk:ticket-category", args=[ticket.number])
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert url in page and "Network" in page
    response = desk.post(url, {"category": hardware.pk, "version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.category == hardware
    desk.post(url, {"category": network.pk, "version": ticket.version})
    ticket.refresh_from_db()
    assert ticket.category == network
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CATEGORY).last()
    assert (event.from_value, event.to_value, event.actor, event.internal) == (
        "Hardware",
        "Network",
        agnes,
        True,
    )
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert "Category changed from Hardware to Network" in page
    desk.post(url, {"category": "", "version": ticket.version})
    ticket.refresh_from_db()
    assert ticket.category is None


def test_a_stale_page_changes_nothing(desk, alice, agnes, hardware):
    ticket = make_ticket(alice)
    old_version = ticket.version
    ticket_accept(ticket=ticket, actor=agnes)
    response = desk.post(
        reverse("desk:ticket-category", args=[ticket.number]),
        {"category": hardware.pk, "version": old_version},
        follow=True,
    )
    assert "This ticket changed since you opened it" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.category is None


def test_a_forged_or_inactive_category_is_refused(desk, alice, adam, hardware):
    ticket = make_ticket(alice)
    url = reverse("desk:ticket-category", args=[ticket.number])
    category_set_active(by=adam, category=hardware, active=False)
    for value in (hardware.pk, 99999, "abc"):
        response = desk.post(url, {"category": value, "version": ticket.version}, follow=True)
        assert "Choose a category in the list." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.category is None
    with pytest.raises(ValidationError):
        ticket_category_set(ticket=ticket, actor=adam, category=hardware)


def test_a_customer_cannot_set_a_category(client_for, alice, carol, hardware):
    ticket = make_ticket(alice)
    for person in (alice, carol):
        response = client_for(person).post(
            reverse("desk:ticket-category", args=[ticket.number]), {"category": hardware.pk}
        )
        assert response.status_code in (403, 404)
        with pytest.raises(PermissionDenied):
            ticket_category_set(ticket=ticket, actor=person, category=hardware)
    ticket.refresh_from_db()
    assert ticket.category is None


def test_the_customer_reads_the_category_in_their_language(
    client_for, alice, agnes, hardware, network
):
    ticket = make_ticket(alice, category=hardware)
    ticket_category_set(ticket=ticket, actor=agnes, category=network)
    alice.language = "fr"
    alice.save(update_fields=["language"])
    html = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number])).content
    html = html.decode()
    assert "Réseau" in html and "Network" not in html
    # The change is a note for the team: the customer's thread does not list it.
    assert "Hardware" not in html and "Matériel" not in html


def test_the_ticket_page_costs_no_more_queries_with_a_category(desk, alice, hardware):
    from tests.test_desk_queues import queries

    plain = make_ticket(alice)
    filed = make_ticket(alice, category=hardware)
    assert queries(desk, reverse("desk:ticket-detail", args=[filed.number])) == queries(
        desk, reverse("desk:ticket-detail", args=[plain.number])
    )


# --- The queue ----------------------------------------------------------------------


def test_the_queue_filters_by_category_and_shows_it(desk, alice, hardware, network):
    make_ticket(alice, subject="Broken screen", category=hardware)
    make_ticket(alice, subject="No wifi", category=network)
    make_ticket(alice, subject="Other thing")
    html = desk.get(QUEUE, {"category": hardware.pk}).content.decode()
    assert "Broken screen" in html and "No wifi" not in html and "Other thing" not in html
    html = desk.get(QUEUE).content.decode()
    assert "Broken screen" in html and "No wifi" in html and "Other thing" in html
    assert '<span class="category">Network</span>' in html
    assert desk.get(QUEUE, {"category": "nonsense"}).status_code == 200


def test_the_queue_rows_cost_the_same_with_categories(desk, alice, hardware, network):
    from tests.test_desk_queues import queries

    make_ticket(alice)
    few = queries(desk, QUEUE)
    for n in range(6):
        make_ticket(alice, subject=f"T{n}", category=hardware if n % 2 else network)
    assert queries(desk, QUEUE) == few


def test_the_demo_has_categories_on_some_tickets(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    assert [(c.name_en, c.name_fr) for c in Category.objects.all()] == [
        ("Hardware", "Matériel"),
        ("Software", "Logiciel"),
        ("Network", "Réseau"),
        ("Accounts", "Comptes"),
    ]
    assert Ticket.objects.filter(category__isnull=False).count() == 3
