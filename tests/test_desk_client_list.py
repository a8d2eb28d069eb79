"""The desk's clients list: its counts, its compiled reads (tickets/organization_reads.py)
against the ORM's, its pages and search, who may see it, its constant queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts.models import Organization
from ecmp.tickets.models import Ticket
from ecmp.tickets.organization_reads import ROW, OrganizationDirectory, OrganizationRow
from ecmp.tickets.selectors import organization_list_for_staff
from ecmp.tickets.status import Status
from tests.factories import OrganizationFactory, UserFactory, make_ticket


def _acme_with_tickets(acme, alice, bob):
    """Acme: two users, five tickets — two open, one waiting, one closed, one open
    but archived (left out of the open count)."""
    tickets = [make_ticket(alice, subject=f"Ticket {n}") for n in range(5)]
    Ticket.objects.filter(pk=tickets[1].pk).update(status=Status.WAIT)
    Ticket.objects.filter(pk=tickets[2].pk).update(status=Status.CLOSED)
    Ticket.objects.filter(pk=tickets[3].pk).update(archived_at=timezone.now())
    return tickets


def test_each_organization_counts_its_users_and_open_tickets(acme, alice, bob, globex, carol):
    _acme_with_tickets(acme, alice, bob)
    make_ticket(carol)
    empty = OrganizationFactory(name="Empty")
    counts = {
        org.name: (org.user_count, org.open_ticket_count) for org in organization_list_for_staff()
    }
    # Counted apart: no user multiplied by the tickets (the counts went through joins).
    assert counts == {"Acme": (2, 3), "Globex": (1, 1), "Empty": (0, 0)}
    assert [org.pk for org in organization_list_for_staff()] == sorted(
        [acme.pk, globex.pk, empty.pk], key=lambda pk: Organization.objects.get(pk=pk).name
    )


def test_the_compiled_reads_give_what_the_orm_gives(acme, alice, bob, globex, carol):
    _acme_with_tickets(acme, alice, bob)
    Organization.objects.filter(pk=globex.pk).update(active=False, priority_locked=True)
    for n in range(5):
        OrganizationFactory(name=f"Zeta {n}")
    orm = [OrganizationRow._make(row) for row in organization_list_for_staff().values_list(*ROW)]
    directory = OrganizationDirectory()
    assert directory.count() == len(orm) == 7
    assert directory[0:7] == orm
    assert directory[2:5] == orm[2:5]  # a later window: its own statement
    assert directory[0:3] + directory[3:7] == orm
    assert directory[3:3] == []
    globex_row = next(row for row in directory[0:7] if row.pk == globex.pk)
    assert globex_row.active is False and globex_row.priority_locked is True
    assert next(row for row in directory[0:7] if row.pk == acme.pk)[4:] == (2, 3)
    found = OrganizationDirectory(text="zeta")
    assert found.count() == 5
    assert found[1:4] == [row for row in orm if row.name.startswith("Zeta")][1:4]


def test_the_list_page_shows_counts_states_and_pages(client_for, agnes, acme, alice, bob, settings):
    settings.ECMP_DIRECTORY_PAGE_SIZE = 2
    _acme_with_tickets(acme, alice, bob)
    Organization.objects.filter(pk=acme.pk).update(priority_locked=True)
    OrganizationFactory(name="Beta", active=False)
    OrganizationFactory(name="Gamma")
    desk = client_for(agnes)
    first = desk.get(reverse("desk:organizations")).content.decode()
    assert "Acme" in first and "Beta" in first and "Gamma" not in first
    assert reverse("desk:organization", args=[acme.pk]) in first
    assert "<td>2</td>\n    <td>3</td>" in first  # Acme's users and open tickets
    assert "Priority locked to Normal" in first and "Inactive" in first
    assert "page=2" in first
    second = desk.get(reverse("desk:organizations"), {"page": "2"}).content.decode()
    assert "Gamma" in second and "Acme" not in second
    # Past the last page: the last page, as Django's paginator gives it.
    assert "Gamma" in desk.get(reverse("desk:organizations"), {"page": "9"}).content.decode()
    searched = desk.get(reverse("desk:organizations"), {"q": "gam"}).content.decode()
    assert "Gamma" in searched and "Acme" not in searched
    nothing = desk.get(reverse("desk:organizations"), {"q": "nobody"}).content.decode()
    assert "There are no records to show" in nothing


def test_customers_are_refused_the_list(client_for, alice):
    response = client_for(alice).get(reverse("desk:organizations"))
    assert response.status_code == 403
    assert "Acme" not in response.content.decode()


def test_the_list_reads_in_constant_queries(client_for, agnes, acme, alice):
    desk = client_for(agnes)
    desk.get(reverse("desk:organizations"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(reverse("desk:organizations")).status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        org = OrganizationFactory(name=f"More {n}")
        make_ticket(UserFactory(organization=org))
    assert queries() == few
