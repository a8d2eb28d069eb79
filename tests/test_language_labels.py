"""Issue 20 §1: data labels and generated sentences in the reader's language, French
grammar without gender or elision, plural forms, and dates with a 24-hour clock."""

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import formats, timezone, translation

from ecmp.billing.activity_names import activity_label
from ecmp.billing.models import ActivityType, TimeEntry
from ecmp.mail.models import InboundEmail
from ecmp.mail.reasons import reason_label
from ecmp.sla.priorities import Priority
from ecmp.tickets import services
from ecmp.tickets.models import Message
from ecmp.tickets.services.categories import category_create, ticket_category_set
from ecmp.tickets.status import Status
from tests.factories import make_ticket
from tests.mailtools import build_mail

MOMENT = datetime(2026, 12, 6, 14, 12)


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="L'imprimante ne répond plus")


def french(*people):
    for person in people:
        person.language = "fr"
        person.save(update_fields=["language"])


# --- Dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        ("en", "06/12/2026 14:12", "6 December 2026, 14:12"),
        ("fr", "06/12/2026 14:12", "6 décembre 2026, 14:12"),
    ],
)
def test_dates_are_day_month_year_on_a_24_hour_clock(language, short, long):
    with translation.override(language):
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == short
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == long
        assert formats.time_format(MOMENT.time(), "TIME_FORMAT") == "14:12"


def test_french_dates_as_in_belgium_by_setting(settings):
    settings.FORMAT_MODULE_PATH = ["config.formats.be", "config.formats"]
    formats.reset_format_cache()  # the modules are read once per process
    try:
        with translation.override("fr"):
            assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "6/12/26 14:12"
            assert formats.date_format(MOMENT, "DATETIME_FORMAT") == "6 décembre 2026, 14:12"
        with translation.override("en"):  # English is not touched
            assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "06/12/2026 14:12"
    finally:
        settings.FORMAT_MODULE_PATH = ["config.formats"]
        formats.reset_format_cache()


def test_an_unknown_french_format_stops_the_start(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.settings

    monkeypatch.setenv("ECMP_FRENCH_FORMAT", "ca")
    with pytest.raises(ImproperlyConfigured, match="ECMP_FRENCH_FORMAT"):
        importlib.reload(config.settings)
    monkeypatch.delenv("ECMP_FRENCH_FORMAT")
    importlib.reload(config.settings)


def test_form_fields_read_day_month_year():
    from django import forms

    field = forms.DateField()
    with translation.override("en"):
        assert str(field.clean("06/12/2026")) == "2026-12-06"
    with translation.override("fr"):
        assert str(field.clean("06/12/2026")) == "2026-12-06"


def test_the_desk_thread_shows_a_24_hour_clock(client_for, agnes, ticket, settings):
    settings.TIME_ZONE = "Europe/Brussels"
    stamp = timezone.make_aware(datetime(2026, 12, 6, 14, 12))
    ticket.events.update(created_at=stamp)
    html = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number])).content
    assert "06/12/2026 14:12" in html.decode()
    assert "p.m." not in html.decode()


def test_django_templates_follow_the_same_formats():
    template = engines["django"].from_string('{{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override("fr"):
        assert template.render({"moment": MOMENT}) == "06/12/2026 14:12"


# --- Data labels ---------------------------------------------------------------------


def test_the_seeded_activity_types_read_in_french_and_others_as_typed():
    with translation.override("fr"):
        assert [activity_label(n) for n in ("Support", "On-site", "Project", "Internal")] == [
            "Support",
            "Sur site",
            "Projet",
            "Interne",
        ]
        assert activity_label("Formation Excel") == "Formation Excel"
    with translation.override("en"):
        assert activity_label("On-site") == "On-site"


def test_the_composer_offers_the_activities_in_french(client_for, agnes, ticket):
    ActivityType.objects.create(name="Audit sécurité")
    french(agnes)
    html = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number])).content
    html = html.decode()
    assert ">Sur site</option>" in html and ">Projet</option>" in html
    assert ">Audit sécurité</option>" in html
    assert ">On-site<" not in html and ">Project<" not in html


def test_a_time_entry_shows_its_activity_in_french(client_for, agnes, ticket):
    TimeEntry.objects.create(
        ticket=ticket,
        agent=agnes,
        minutes=30,
        date=timezone.localdate(),
        activity_type=ActivityType.objects.get(name="On-site"),
    )
    french(agnes)
    html = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number])).content
    assert " · Sur site" in html.decode()


def test_held_mail_says_why_in_french(deliver, client_for, agnes):
    row = deliver(build_mail(sender="stranger@elsewhere.test", subject="Bonjour"))
    assert (row.status, row.reason) == (InboundEmail.Status.HELD, "unknown sender")
    french(agnes)
    desk = client_for(agnes)
    listing = desk.get(reverse("desk:mail")).content.decode()
    detail = desk.get(reverse("desk:mail-inbound", args=[row.pk])).content.decode()
    for html in (listing, detail):
        assert "expéditeur inconnu" in html
        assert "unknown sender" not in html


@pytest.mark.parametrize(
    ("stored", "french_words"),
    [
        ("deactivated sender", "expéditeur désactivé"),
        ("unverified sender", "expéditeur non vérifié"),
        ("an agent's reply to archived ticket 1042", "réponse d'un agent au ticket archivé 1042"),
        ("released by agnes@support.test", "libéré par agnes@support.test"),
        ("cron (backup)", "cron (backup)"),  # a machine's name, as stored
    ],
)
def test_each_reason_the_router_writes_reads_in_french(stored, french_words):
    with translation.override("fr"):
        assert reason_label(stored) == french_words


def test_held_mail_pages_read_the_same_queries_for_more_messages(
    deliver, client_for, agnes, django_assert_max_num_queries
):
    french(agnes)
    desk = client_for(agnes)
    deliver(build_mail(sender="one@elsewhere.test", subject="Un"))
    with django_assert_max_num_queries(60) as few:
        desk.get(reverse("desk:mail"))
    for n in range(4):
        deliver(build_mail(sender=f"other{n}@elsewhere.test", subject=f"Autre {n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "expéditeur inconnu" in desk.get(reverse("desk:mail")).content.decode()


# --- Generated sentences and grammar ------------------------------------------------------


def test_a_priority_change_reads_in_the_readers_language(client_for, agnes, alice, ticket):
    services.ticket_set_priority(
        ticket=ticket, actor=agnes, priority=Priority.HIGH, reason="Toute l'équipe attend"
    )
    note = Message.objects.get(ticket=ticket, internal=True)
    assert note.body == "Toute l'équipe attend"  # the words, not an English sentence
    french(agnes, alice)
    desk = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    assert "Priorité : Normale → Haute" in desk.content.decode()
    assert "Priority changed" not in desk.content.decode()
    portal = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    html = portal.content.decode()
    assert "Priorité : Normale → Haute" in html
    assert "Toute l'équipe attend" not in html  # the internal note stays on the desk


def test_a_status_change_needs_no_elision_in_french(client_for, agnes, alice, ticket):
    services.ticket_accept(ticket=ticket, actor=agnes)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    french(alice)
    html = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    html = html.content.decode()
    assert "Statut : Attendez → Fermé" in html
    assert "de Attendez" not in html


def test_another_organizations_ticket_is_not_found_in_french(client_for, carol, ticket):
    french(carol)
    response = client_for(carol).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert response.status_code == 404


def test_a_registration_is_confirmed_without_gender(client_for, agnes, acme):
    french(agnes)
    response = client_for(agnes).post(
        reverse("desk:invite"),
        {
            "full_name": "Jeanne Dupont",
            "email": "jeanne@acme.test",
            "organization": acme.pk,
            "role": "customer",
            "language": "fr",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Inscription faite pour" in html
    assert "est inscrit" not in html


@pytest.mark.parametrize(
    ("done", "total", "words"),
    [
        (1, 3, "1 ticket sur 3 modifié"),
        (2, 3, "2 tickets sur 3 modifiés"),
    ],
)
def test_counts_take_the_plural_french_wants(done, total, words):
    template = engines["jinja2"].from_string(
        "{% trans count=done, total=total %}{{ count }} of {{ total }} tickets changed"
        "{% pluralize %}{{ count }} of {{ total }} tickets changed{% endtrans %}"
    )
    with translation.override("fr"):
        assert template.render({"done": done, "total": total}) == words


def test_the_bulk_results_count_in_french(client_for, agnes, alice):
    tickets = [make_ticket(alice, subject=f"Lot {n}") for n in range(2)]
    french(agnes)
    picked = [f"{t.number}:{t.version}" for t in tickets]
    services.ticket_accept(ticket=tickets[1], actor=agnes)  # changed since the queue
    response = client_for(agnes).post(
        reverse("desk:tickets-bulk"), {"action": "accept", "ticket": picked}
    )
    html = response.content.decode()
    assert "1 ticket sur 2 modifié" in html
    assert "1 tickets" not in html


def test_a_category_change_reads_with_the_french_names(
    client_for, adam, agnes, ticket, django_assert_max_num_queries
):
    hardware = category_create(by=adam, name_en="Hardware", name_fr="Matériel")
    software = category_create(by=adam, name_en="Software", name_fr="Logiciel")
    ticket_category_set(ticket=ticket, actor=agnes, category=hardware)
    desk = client_for(agnes)
    page = reverse("desk:ticket-detail", args=[ticket.number])
    assert "Category changed from — to Hardware" in desk.get(page).content.decode()
    french(agnes)
    with django_assert_max_num_queries(80) as one:
        assert "Catégorie : — → Matériel" in desk.get(page).content.decode()
    # More category changes: the names are read once for the page.
    ticket_category_set(ticket=ticket, actor=agnes, category=software)
    ticket_category_set(ticket=ticket, actor=agnes, category=hardware)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = desk.get(page).content.decode()
    assert "Catégorie : Matériel → Logiciel" in html and "Hardware" not in html


def test_jinja_date_filters_show_the_local_time(client_for, agnes, ticket, settings):
    # Django's templates convert a datetime to the current time zone before `date`;
    # the pages' Jinja2 filter does the same (13:12 UTC is 14:12 in Brussels).
    settings.TIME_ZONE = "Europe/Brussels"
    utc = timezone.make_aware(datetime(2026, 12, 6, 13, 12), timezone=UTC)
    type(ticket).objects.filter(pk=ticket.pk).update(created_at=utc)
    html = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number])).content
    page = html.decode()
    assert "06/12/2026 14:12" in page
    assert "06/12/2026 13:12" not in page
    jinja = engines["jinja2"].from_string('{{ moment|date("H:i") }} {{ moment|time("H:i") }}')
    assert jinja.render({"moment": utc}) == "14:12 14:12"
