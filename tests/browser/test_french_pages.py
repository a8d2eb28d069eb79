"""French without leaks (issue 20 §1): the main pages of the portal and the desk, read
by people whose language is French, show no English word of the interface.

The English words are the catalog's own: its short labels (one to four words) whose
French differs, without the words both languages share and without proper names.
Only what a person reads counts: the page's visible text, and the title, aria-label
and placeholder attributes."""

import re
from pathlib import Path

import polib
from django.conf import settings
from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.accounts.models import Role, User
from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.sla.priorities import Priority
from ecmp.tickets.services import ticket_reply, ticket_set_priority
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in
from tests.factories import AgentFactory, OrganizationFactory, UserFactory, make_ticket
from tests.invoices_data import issue, log_time, make_contract, make_issuer, set_rate
from tests.mailtools import build_mail

PO = Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.po"

# Words written the same, or nearly, in both languages; technical names; proper names.
SHARED = {
    "Action", "Actions", "Admin", "Agent", "Agents", "Archive", "BIC", "Client", "Clients",
    "Contact", "Contacts", "Date", "Description", "Email", "Emails", "English", "Format",
    "IBAN", "Internal", "Logo", "Menu", "Message", "Messages", "Minutes", "Note", "Notes",
    "Notifications", "Portal", "Projects", "Service", "Session", "Support", "Total", "Type",
    "Urgent", "Version", "Weekend", "Article", "Signature", "Code", "Global", "Options",
    "Question", "Questions", "Documents", "Document", "Image", "Images", "Source", "Ticket",
    "Tickets", "Sources", "Phone", "Team", "Manager",
}  # fmt: skip
WORD = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")


def english_words() -> list[str]:
    """The interface's English labels that a French page must not show."""
    words = set()
    for entry in polib.pofile(str(PO)):
        french = entry.msgstr or entry.msgstr_plural.get(0, "")
        english = entry.msgid
        if not WORD.match(english) or len(english) < 4 or len(english.split()) > 4:
            continue
        if (
            english in SHARED
            or english.lower() == french.lower()
            or english.lower() in french.lower()
        ):
            continue
        # One word: only a label (capitalised); lower-case ones are fields' names.
        if " " not in english and not english[0].isupper():
            continue
        words.add(english)
    return sorted(words)


# What a person reads: visible text, and the attributes read aloud or shown on hover.
READ = """() => {
  const attributes = [...document.querySelectorAll("[title], [aria-label], [placeholder]")]
    .flatMap((el) => ["title", "aria-label", "placeholder"]
      .map((name) => el.getAttribute(name)).filter(Boolean));
  return [document.title, document.body.innerText, ...attributes].join("\\n");
}"""


def leaks(text: str, words: list[str]) -> list[str]:
    return [word for word in words if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]


def make_data():
    acme = OrganizationFactory(name="Acme")
    jeanne = UserFactory(
        email="jeanne@acme.test", full_name="Jeanne Dupont", organization=acme, is_team_manager=True
    )
    admin = AgentFactory(email="adam@support.test", full_name="Adam Martin", role=Role.ADMIN)
    twofactor.enrol_demo_authenticator(user=admin, secret=twofactor.new_secret())
    ticket = make_ticket(jeanne, subject="L'imprimante du bureau ne répond plus")
    ticket_reply(ticket=ticket, author=admin, body="Pouvez-vous la redémarrer ?")
    ticket_reply(ticket=ticket, author=admin, body="Vérifié les journaux.", internal=True)
    ticket_set_priority(
        ticket=ticket, actor=admin, priority=Priority.HIGH, reason="Toute l'équipe attend"
    )
    make_ticket(jeanne, subject="Accès au partage réseau")
    set_rate(acme)
    make_issuer(admin)
    make_contract(acme)
    log_time(ticket, admin, 90, text="Diagnostic")
    issue(admin, acme)
    # Held mail: a stranger's message, its reason shown on the desk's Mail page.
    inbound_store(build_mail(sender="inconnu@ailleurs.test", subject="Bonjour"), source="test")
    return acme, jeanne, admin, ticket


def in_french(person):
    """Signed in (in English, as the journeys' helper reads the pages), the person
    chooses French: every page after reads their preference."""
    User.objects.filter(pk=person.pk).update(language="fr")


def walk(stack, page, pages: dict[str, str]) -> list[str]:
    words = english_words()
    assert {"Open", "Closed", "Reply", "Priority"} <= set(words)  # the list is the UI's
    problems = []
    for name, path in pages.items():
        page.goto(stack.url + path)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.locator("h1").first).to_be_visible()
        stack.shot(page, "french-" + re.sub(r"\W+", "-", name))
        found = leaks(page.evaluate(READ), words)
        if found:
            problems.append(f"{name} ({path}): {', '.join(found)}")
    return problems


def test_the_portal_in_french_shows_no_english(stack, new_page):
    _, jeanne, _, ticket = make_data()
    page = new_page()
    sign_in(page, stack.url, jeanne.email)
    # The same reading finds the English words on the English page.
    page.goto(stack.url + "/portal/")
    assert len(leaks(page.evaluate(READ), english_words())) >= 5
    in_french(jeanne)
    pages = {
        "dashboard": "/portal/",
        "service desk": "/portal/service-desk/",
        "new ticket": "/portal/tickets/new/",
        "a ticket": f"/portal/tickets/{ticket.number}/",
        "notifications": "/portal/notifications/",
        "invoices": "/portal/invoices/",
        "account": "/accounts/me/",
        "followed tickets": "/portal/followed/",
        "team requests": "/portal/team/requests/",
    }
    problems = walk(stack, page, pages)
    assert problems == [], "\n".join(problems)


def test_the_desk_in_french_shows_no_english(stack, new_page):
    acme, _, admin, ticket = make_data()
    page = new_page()
    sign_in(page, stack.url, admin.email)
    in_french(admin)
    pages = {
        "home": "/desk/",
        "queue": "/desk/tickets/",
        "a ticket": f"/desk/tickets/{ticket.number}/",
        "clients": "/desk/clients/",
        "a client": f"/desk/clients/{acme.pk}/",
        "mail": "/desk/mail/",
        "reports": "/desk/billing/reports/",
        "SLA settings": "/desk/settings/sla/",
        "team": "/desk/team/",
        "new ticket": "/desk/tickets/new/",
        "support reports": "/desk/reports/support/",
        "categories": "/desk/settings/categories/",
        "canned replies": "/desk/canned-replies/",
        "invoices": "/desk/billing/",
        "search": "/desk/search/?q=imprimante",
        "registration requests": "/desk/registration-requests/",
    }
    problems = walk(stack, page, pages)
    assert problems == [], "\n".join(problems)
    # The thread says what changed in French, without "de … à …".
    page.goto(stack.url + f"/desk/tickets/{ticket.number}/")
    expect(page.locator("main")).to_contain_text("Priorité : Normale → Haute")
    expect(page.locator("main")).to_contain_text("Toute l'équipe attend")
