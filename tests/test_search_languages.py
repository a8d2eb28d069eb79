"""The search structures themselves (tickets/0008, accounts/0007): the upgrade that
rebuilds them, the indexes that serve them, the benchmark data that fills them."""

import importlib
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from ecmp.accounts.models import User
from ecmp.accounts.search import organizations_matching, people_matching, trigram_share
from ecmp.tickets import services
from ecmp.tickets.desk_search import desk_search
from ecmp.tickets.models import Ticket
from ecmp.tickets.search import FTS_TABLE, fts_body, fts_query, search_filter
from tests.factories import UserFactory, make_ticket
from tests.test_indexes import plan_of

upgrade = importlib.import_module("ecmp.tickets.migrations.0008_search_languages")


def forget_documents():
    """As before the upgrade: no document, or the old one of tickets/0003."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
        else:
            cursor.execute(
                "UPDATE tickets_ticket SET search_document = strip(to_tsvector('simple', subject))"
            )


@pytest.mark.django_db(transaction=True)  # the upgrade runs outside a transaction
def test_the_upgrade_rebuilds_every_document_in_batches_and_safely_twice(alice, agnes):
    tickets = [make_ticket(alice, subject=f"Écran {n}") for n in range(3)]
    services.ticket_reply(
        ticket=tickets[1], author=agnes, body="Imprimantes livrées", internal=True
    )
    forget_documents()
    editor = SimpleNamespace(connection=connection)
    upgrade.forward(None, editor)
    upgrade.forward(None, editor)  # safe twice
    desk = Ticket.objects.all()
    assert set(search_filter(desk, "ecran", None)) == set(tickets)
    assert set(search_filter(desk, "imprimante", None)) == {tickets[1]}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_upgrade_caps_a_huge_history(alice):
    import secrets

    big = make_ticket(alice, subject="Huge history")
    for _ in range(12):
        log = " ".join(secrets.token_hex(6) for _ in range(7_600))  # ~99 KB, all distinct
        services.ticket_reply(ticket=big, author=alice, body=log)
    small = make_ticket(alice, subject="Short one")
    forget_documents()
    upgrade.forward(None, SimpleNamespace(connection=connection))
    assert set(search_filter(Ticket.objects.all(), "huge", None)) == {big}
    assert set(search_filter(Ticket.objects.all(), "short", None)) == {small}


@pytest.mark.postgresql
@pytest.mark.parametrize("text", ["printer", "imprimantes écran", "1001"])
def test_the_word_search_uses_the_gin_index(alice, text):
    make_ticket(alice)
    from ecmp.tickets.selectors import parse_number

    plan = plan_of(search_filter(Ticket.objects.all(), text, parse_number(text)))
    assert "ticket_search" in plan, plan


@pytest.mark.postgresql
def test_names_are_read_nearest_first_from_the_gist_trigram_indexes(alice):
    """accounts/0008: the nearest names in the index's order, a LIMIT, never a full
    read of the names above the threshold then a sort."""
    with connection.cursor() as cursor:
        # Not a full scan of the table (a tiny table's cheapest).
        cursor.execute("SET enable_seqscan = off")
        try:
            for index, search in (
                ("user_name_gist", people_matching),
                ("organization_name_gist", organizations_matching),
            ):
                with connection.execute_wrapper(capture := QueryCapture()):
                    search("Shuman", limit=5)
                cursor.execute("EXPLAIN " + capture.last, capture.params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert f"Index Scan using {index}" in plan, plan
                assert "Order By:" in plan and "<->>" in plan, plan
        finally:
            cursor.execute("SET enable_seqscan = on")


class QueryCapture:
    """The last SELECT of the people or organizations (its SQL and parameters)."""

    last = ""
    params: tuple = ()

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith("SELECT") and "set_config" not in sql:
            self.last, self.params = sql, params
        return execute(sql, params, many, context)


@pytest.mark.sqlite
def test_sqlite_keeps_one_fts_row_per_ticket_with_its_stems(alice, agnes):
    ticket = make_ticket(alice, subject="Imprimantes", description="Printers")
    services.ticket_reply(ticket=ticket, author=agnes, body="Écrans", internal=True)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {FTS_TABLE} WHERE rowid = %s", [ticket.pk])  # noqa: S608
        rows = cursor.fetchall()
    assert len(rows) == 1
    body = rows[0][0]
    assert "Imprimantes" in body and "Écrans" in body and "imprim" in body and "printer" in body


def test_stems_and_queries_are_made_the_same_way():
    assert "imprim" in fts_body("imprimantes")
    assert fts_query(["imprimantes"]) == '("imprimantes"* OR "imprim" OR "imprimant")'
    assert trigram_share("Shuman", "Louise Schuman") > 0.5
    assert trigram_share("Schum", "Louise Schuman") > 0.8
    assert trigram_share("xyz", "Louise Schuman") == 0
    assert trigram_share("", "Louise") == 0


@pytest.mark.django_db(transaction=True)  # COPY and raw rows, as the benchmark loads them
def test_the_benchmark_data_is_found_as_written_data_is():
    call_command(
        "seed_bench", tickets=60, organizations=3, users=9, batch=25, messages=2, verbosity=0
    )
    texts = {
        t.pk: " ".join([t.subject, t.description, *(m.body for m in t.messages.all())]).lower()
        for t in Ticket.objects.prefetch_related("messages")
    }
    # Every seeded ticket is found by the words of its texts, and by their stems.
    for query, word in (("printers", "printer"), ("toner", "toner"), ("cable", "cables")):
        expected = {pk for pk, text in texts.items() if word in text}
        found = {t.pk for t in search_filter(Ticket.objects.all(), query, None)}
        assert expected and found == expected, query
    agent = User.objects.filter(role="agent").first()
    assert desk_search(agent, "printers").tickets


def test_a_person_made_later_is_found(db):
    person = UserFactory(email="zo@example.test", full_name="Zoé Ørsted")
    assert person in people_matching("zoe", limit=5)
