"""The manual, walked through in a real browser (SPEC sections 1 to 6).

Each journey runs against the live server, with the real database worker
sending mail through a real SMTP server; screenshots are written when
ECMP_SCREENSHOTS names a folder (`make screenshots`).
"""

import re
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from ecmp.accounts import services as accounts
from ecmp.accounts import twofactor
from ecmp.accounts.models import User
from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.tickets import services as tickets
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.factories import TEST_PASSWORD, AgentFactory, OrganizationFactory, UserFactory
from tests.mailtools import build_mail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def submit(page, selector):
    """Click what sends a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture(autouse=True)
def staff_2fa_required(settings):
    """The journeys run as production does: staff sign in with a second factor."""
    settings.ECMP_STAFF_2FA = "required"


def authenticator_code(login):
    """The code the person's authenticator app shows now (one not used yet)."""
    user = User.objects.get(Q(email=login.lower()) | Q(username=login.lower()))
    device = twofactor.authenticator_for(user)
    totp = TOTP(device.bin_key, digits=6)
    while totp.t() <= device.last_t:
        totp.time += 30  # this step's code is spent; the app shows the next one soon
    return f"{totp.token():06d}"


def sign_in(page, url, login, password=TEST_PASSWORD):
    """Password, then the second factor: enrolment on a first sign-in of staff (the
    key read from the page, as a person would type it into an app), else the code."""
    page.goto(url + "/accounts/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password)
    submit(page, "form button[type=submit]")
    if "/accounts/2fa/setup/" in page.url:
        secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
        page.fill("#id_code", twofactor.current_code(secret))
        submit(page, "button:has-text('Confirm')")
        expect(page.locator("#backup-codes li")).to_have_count(10)
        submit(page, "a:has-text('continue')")
    elif "/accounts/2fa/verify/" in page.url:
        page.fill("#id_code", authenticator_code(login))
        submit(page, "button:has-text('Verify')")
    assert "/accounts/2fa/" not in page.url


def test_the_customers_journey(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme")
    agent = AgentFactory(email="agnes@support.test", full_name="Agnes Agent")
    accounts.user_register(
        by=agent, email="robert@acme.test", full_name="Robert Schuman", organization=acme
    )

    # 1. The welcome email's "To the portal" link.
    welcome = stack.wait_for_mail(lambda m: m["To"] == "robert@acme.test")
    assert "To the portal" in stack.text_of(welcome)
    page = new_page()
    page.goto(stack.link_in(welcome, "/accounts/activate/"))
    stack.shot(page, "01-activation")
    for password, message in [
        ("Sh0rt!", "at least 8 characters"),
        ("NOLOWER-123", "lowercase letter"),
        ("noupper-123", "uppercase letter"),
        ("No-Digits-Here", "digit"),
        ("NoSpecial123", "special character"),
    ]:
        page.fill("#id_password1", password)
        page.fill("#id_password2", password)
        submit(page, "button:has-text('Send')")
        expect(page.locator("#id_password1-errors")).to_contain_text(message)
    page.fill("#id_password1", "Bright-Meadow-42")
    page.fill("#id_password2", "Bright-Meadow-42")
    submit(page, "button:has-text('Send')")
    expect(page.locator("h1")).to_have_text("Home / Dashboard")
    assert axe(page) == []
    stack.shot(page, "02-dashboard")

    # 2. Sign out, then in with "Login or email address".
    page.click("header .dropdown-toggle")
    page.click("text=Sign out")
    page.goto(stack.url + "/")
    assert axe(page) == []
    page.click("text=Manage my tickets")
    expect(page.locator("label[for=id_username]")).to_have_text("Login or email address")
    assert axe(page) == []
    page.fill("#id_username", "robert@acme.test")
    page.fill("#id_password", "Bright-Meadow-42")
    submit(page, "form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Home / Dashboard")

    # 3. Service desk: an empty "Open Tickets".
    page.click("nav >> text=Service desk")
    expect(page.locator(".nav-pills .active")).to_have_text("Open Tickets")
    expect(page.locator("#ticket-list")).to_contain_text("There are no records to show")
    assert axe(page) == []

    # 4. "New Ticket": the side panel, a real file, "Ok".
    page.click("text=New Ticket")
    panel = page.locator("#new-ticket-panel")
    expect(panel.locator("#id_subject")).to_be_visible()
    for label in ("Subject", "Description", "Attach File", "Priority"):
        expect(panel).to_contain_text(label)
    panel.locator("#id_subject").fill("Le logiciel XYZ ne s'ouvre plus")
    panel.locator("#id_description").fill("Since this morning XYZ closes at start.")
    panel.locator("#id_files").set_input_files(
        files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    panel.locator("#id_priority").select_option("3")
    stack.shot(page, "03-new-ticket-panel")
    assert axe(page) == []
    panel.locator("button:has-text('Ok')").click()
    page.wait_for_url(re.compile(r"/portal/tickets/1001/$"))
    expect(page.locator("h2")).to_contain_text("1001 — Le logiciel XYZ ne s'ouvre plus")
    expect(page.locator(".ticket-tabs")).to_contain_text("1001")
    expect(page.locator("#thread")).to_contain_text("Robert Schuman | Ticket created")
    expect(page.locator("#thread")).to_contain_text("screenshot.png")
    stack.shot(page, "04-ticket")
    assert axe(page) == []

    # 5. The tab's cross goes back to the list, where the ticket is New.
    submit(page, "button[aria-label='Close the tab of ticket 1001']")
    row = page.locator("#ticket-list tr", has_text="1001")
    expect(row).to_contain_text("New")
    stack.shot(page, "05-open-tickets")

    # 6. An agent accepts it: the customer's bell shows one notification.
    desk = new_page()
    sign_in(desk, stack.url, agent.email)
    desk.goto(stack.url + "/desk/tickets/")
    expect(desk.locator("#queue-list")).to_contain_text("Le logiciel XYZ")
    stack.shot(desk, "06-desk-queue")
    assert axe(desk) == []
    desk.goto(stack.url + "/desk/tickets/1001/")
    submit(desk, "button:has-text('Accept')")
    expect(desk.locator(".alert-success")).to_contain_text("accepted")
    stack.shot(desk, "07-desk-ticket")
    page.reload()
    expect(page.locator("#notification-bell [data-unread]")).to_have_text("1", timeout=15000)
    page.goto(stack.url + "/portal/notifications/")
    submit(page, "button:has-text('Mark as viewed')")
    expect(page.locator("#notification-bell [data-unread]")).to_have_count(0)

    # 7. The agent starts, then answers, logs the time and closes in one go: "Recent Tickets".
    submit(desk, "button:has-text('Start')")
    desk.fill("#id_body", "We replaced the cable.")
    desk.fill("#id_time", "15m")
    submit(desk, "button:has-text('Send and close')")
    expect(desk.locator(".alert-success")).to_contain_text("the ticket is closed")
    expect(desk.locator("#time")).to_contain_text("15 min")
    page.goto(stack.url + "/portal/service-desk/?list=recent")
    expect(page.locator("#ticket-list")).to_contain_text("Le logiciel XYZ")

    # 8. Writing on it opens it again.
    page.goto(stack.url + "/portal/tickets/1001/")
    page.fill("#id_body", "It broke again after lunch.")
    submit(page, "#composer button:has-text('Send')")
    expect(page.locator("h2 + div .badge").first).to_have_text("Open")

    # 9. The emails reached the SMTP server, and their link opens the ticket.
    accepted = stack.wait_for_mail(lambda m: "taken into account" in (m["Subject"] or ""))
    assert "Click here to open the ticket" in stack.text_of(accepted)
    reply = stack.wait_for_mail(lambda m: "We replaced the cable." in stack.text_of(m))
    stack.wait_for_mail(lambda m: "is closed" in (m["Subject"] or ""))
    page.goto(stack.link_in(accepted, "/portal/tickets/"))
    expect(page.locator("h2")).to_contain_text("1001")

    # 10. Replying to that email is a reply on the ticket.
    reply_id = " ".join(reply["Message-ID"].split())  # unfolded, as a mail client reads it
    inbound_store(
        build_mail(
            sender="robert@acme.test",
            subject=f"Re: {reply['Subject']}",
            body="Thanks, it works now.\n\n> We replaced the cable.",
            headers={"In-Reply-To": reply_id, "References": reply_id},
        ),
        source="test",
    )
    for _ in range(50):
        page.reload()
        if "Thanks, it works now." in page.locator("#thread").inner_text():
            break
        page.wait_for_timeout(200)
    expect(page.locator("#thread")).to_contain_text("Thanks, it works now.")


def test_the_agents_journey(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    customer = UserFactory(email="user@acme.test", full_name="Robert Schuman", organization=acme)
    admin = AgentFactory(email="adam@support.test", full_name="Adam Admin", role="admin")
    # Enrolled before (the customers' journey enrols on a first sign-in): verify step.
    twofactor.enrol_demo_authenticator(user=admin, secret=twofactor.new_secret())
    ticket = tickets.ticket_create(
        requester=customer, subject="Printer on fire", description="Smoke everywhere."
    )
    desk = new_page()
    sign_in(desk, stack.url, admin.email)

    # The queue, then "Ticket #" as when a customer phones in.
    desk.goto(stack.url + "/desk/tickets/?queue=new")
    expect(desk.locator("#queue-list")).to_contain_text("Printer on fire")
    desk.fill("#ticket-jump", str(ticket.number))
    desk.press("#ticket-jump", "Enter")
    desk.wait_for_url(re.compile(rf"/desk/tickets/{ticket.number}/$"))

    # An internal note, visibly internal, absent from the customer's view.
    desk.click("label:has-text('Internal note')")
    expect(desk.locator(".composer-note-only")).to_be_visible()
    desk.fill("#id_body", "Customer's contract ends soon.")
    submit(desk, "button[name=then][value='']")
    expect(desk.locator("#thread .internal-entry")).to_contain_text(
        "Customer's contract ends soon."
    )
    customer_page = new_page()
    sign_in(customer_page, stack.url, customer.email)
    customer_page.goto(stack.url + f"/portal/tickets/{ticket.number}/")
    expect(customer_page.locator("#thread")).not_to_contain_text("contract ends")

    # The timer runs across page loads and fills the time field; time alone is logged.
    desk.click("button[data-timer]")
    expect(desk.locator("button[data-timer]")).to_contain_text("Stop timer")
    desk.reload()
    expect(desk.locator("button[data-timer]")).to_contain_text("Stop timer")
    desk.click("button[data-timer]")
    expect(desk.locator("#id_time")).to_have_value("1m")
    expect(desk.locator("button[data-timer]")).to_contain_text("Start timer")
    desk.fill("#id_time", "1h30")
    submit(desk, "button[name=then][value='']")
    expect(desk.locator(".alert-success")).to_contain_text("The time is logged.")
    expect(desk.locator("#time")).to_contain_text("1 h 30")
    assert axe(desk) == []

    # The priority lock for the organization, and its effect on the New Ticket form.
    desk.goto(stack.url + "/desk/clients/")
    desk.click("text=Acme Industries")
    desk.fill("#lock-reason", "Everything is urgent for them")
    submit(desk, "button:has-text('Lock priority to Normal')")
    expect(desk.locator("main")).to_contain_text("Everything is urgent for them")
    customer_page.goto(stack.url + "/portal/tickets/new/")
    expect(customer_page.locator("#id_priority")).to_be_disabled()
    expect(customer_page.locator("main")).to_contain_text("all have Normal priority")

    # An invoice that lists the ticket by its number.
    today = timezone.localdate()
    desk.goto(stack.url + "/desk/billing/")
    desk.select_option("#id_organization", label="Acme Industries")
    desk.fill("#id_start", (today - timedelta(days=1)).isoformat())
    desk.fill("#id_end", today.isoformat())
    submit(desk, "button:has-text('Prepare the draft')")
    expect(desk.locator("main")).to_contain_text(f"{ticket.number} — Printer on fire")
    submit(desk, "button:has-text('Issue the invoice')")
    expect(desk.locator("h1")).to_contain_text(f"Invoice {today.year}-0001")
    expect(desk.locator("table")).to_contain_text(str(ticket.number))
    stack.shot(desk, "08-invoice")
    assert axe(desk) == []


def test_the_journey_in_french(stack, new_page):
    acme = OrganizationFactory(name="Acme")
    UserFactory(email="marie@acme.test", full_name="Marie Martin", organization=acme, language="fr")
    page = new_page("fr")
    page.goto(stack.url + "/")
    expect(page.locator("main")).to_contain_text("Gérer mes tickets")
    page.click("text=Gérer mes tickets")
    expect(page.locator("label[for=id_username]")).to_have_text("Identifiant ou adresse e-mail")
    page.fill("#id_username", "marie@acme.test")
    page.fill("#id_password", TEST_PASSWORD)
    submit(page, "form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Accueil / Tableau de bord")
    page.click("nav >> text=Service desk")
    expect(page.locator(".nav-pills")).to_contain_text("Tickets ouverts")
    expect(page.locator(".nav-pills")).to_contain_text("Tickets récents")
    expect(page.locator(".nav-pills")).to_contain_text("Tickets archivés")
    expect(page.locator("#ticket-list")).to_contain_text("Aucun enregistrement à afficher")
    page.click("text=Nouveau ticket")
    panel = page.locator("#new-ticket-panel")
    for label in ("Sujet", "Description", "Joindre un fichier", "Priorité"):
        expect(panel).to_contain_text(label)
    expect(panel).to_contain_text("Déposez des fichiers ici ou cliquez pour en ajouter.")
    panel.locator("#id_subject").fill("Écran noir")
    panel.locator("#id_description").fill("Plus rien ne s'affiche.")
    panel.locator("button:has-text('Ok')").click()
    page.wait_for_url(re.compile(r"/portal/tickets/\d+/$"))
    for words in ("Répondre", "Fermer", "Envoyer", "Annuler", "Nouveau", "Ticket créé"):
        expect(page.locator("main")).to_contain_text(words)
    stack.shot(page, "09-ticket-fr")
