"""Demo data for the embedded run: created once, sign-ins printed every time."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ecmp.accounts.models import STAFF_ROLES, Organization, Role, User
from ecmp.accounts.twofactor import authenticator_for, enrol_demo_authenticator
from ecmp.billing.contract_rates import contract_version_create
from ecmp.billing.models import ActivityType
from ecmp.billing.pack_services import hour_pack_add
from ecmp.billing.services import time_entry_create
from ecmp.sla.contracts import ContractTerms
from ecmp.tickets.services import ticket_create, ticket_reply, ticket_transition
from ecmp.tickets.services.categories import category_create
from ecmp.tickets.status import Priority, Status

# (English, French): what the demo's tickets are about.
DEMO_CATEGORIES = [
    ("Hardware", "Matériel"),
    ("Software", "Logiciel"),
    ("Network", "Réseau"),
    ("Accounts", "Comptes"),
]

DEMO_PASSWORD = "Demo-2026!"  # noqa: S105 - a documented demo password, not a secret
# The demo agents' and admins' authenticator key (base32), printed by `make run`:
# published, so only ever for demo data.
DEMO_TOTP_SECRET = "ECMPDEMOECMPDEMOECMPDEMOECMPDEMO"  # noqa: S105 - documented demo key

# (email, username, full name, role, organization name or None, team manager, language)
DEMO_PEOPLE = [
    ("admin@ecmp.example", "admin", "Alice Admin", Role.ADMIN, None, False, "en"),
    ("agent@ecmp.example", "agent", "Arthur Agent", Role.AGENT, None, False, "en"),
    (
        "manager@acme.example",
        "acme-manager",
        "Marie Martin",
        Role.CUSTOMER,
        "Acme Industries",
        True,
        "fr",
    ),
    (
        "user@acme.example",
        "acme-user",
        "Robert Schuman",
        Role.CUSTOMER,
        "Acme Industries",
        False,
        "fr",
    ),
    (
        "manager@globex.example",
        "globex-manager",
        "Grace Hopper",
        Role.CUSTOMER,
        "Globex",
        True,
        "en",
    ),
    ("user@globex.example", "globex-user", "Hank Scorpio", Role.CUSTOMER, "Globex", False, "en"),
]


class Command(BaseCommand):
    help = "Load the demo companies and people once, then print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        if not User.objects.filter(email=DEMO_PEOPLE[0][0]).exists():
            self._create()
            self.stdout.write("Demo data loaded.")
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
        for email, username, name, role, org, manager, _lang in DEMO_PEOPLE:
            what = Role(role).label + (" (team manager)" if manager else "")
            where = f", {org}" if org else ""
            self.stdout.write(f"  {email:<26} or {username:<15} {name} - {what}{where}")
        self._enrol_staff()
        self.stdout.write(
            f"  Two-factor secret for staff: {DEMO_TOTP_SECRET} — add it to an authenticator app"
        )
        self.stdout.write("")

    def _enrol_staff(self) -> None:
        """Demo staff come enrolled (also in a demo database made before 2FA existed)."""
        staff = User.objects.filter(email__in=[p[0] for p in DEMO_PEOPLE], role__in=STAFF_ROLES)
        for user in staff:
            if authenticator_for(user) is None:
                enrol_demo_authenticator(user=user, secret=DEMO_TOTP_SECRET)

    @transaction.atomic
    def _create(self) -> None:
        now = timezone.now()
        organizations: dict[str, Organization] = {}
        people: dict[str, User] = {}
        for email, username, name, role, org_name, manager, language in DEMO_PEOPLE:
            organization = None
            if org_name:
                organization = organizations.get(org_name)
                if organization is None:
                    organization, _ = Organization.objects.get_or_create(name=org_name)
                    organizations[org_name] = organization
            people[email] = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                username=username,
                full_name=name,
                role=role,
                organization=organization,
                is_team_manager=manager,
                language=language,
                activated_at=now,
            )
        self._contract(organizations["Acme Industries"], people["admin@ecmp.example"])
        self._tickets(people)

    def _contract(self, acme: Organization, admin: User) -> None:
        """Acme's contract (issue 19): faster urgent answers, Saturday mornings, its rate."""
        contract_version_create(
            by=admin,
            organization=acme,
            terms=ContractTerms(
                reference="ACME-SLA-GOLD",
                starts_on=timezone.localdate().replace(month=1, day=1),
                payment_terms_days=30,
                billing_emails="comptabilite@acme.example",
                billing_address="Acme Industries SA\nRue de la Loi 16\n1000 Bruxelles\nBelgique",
                vat_number="BE0403170701",
                targets={Priority.URGENT: (30, 3 * 60), Priority.HIGH: (2 * 60, 8 * 60)},
                hours={
                    **{day: (time(8), time(18)) for day in range(5)},
                    5: (time(9), time(12)),
                },
            ),
            rates={ActivityType.objects.get(name="Support").pk: Decimal("95.00")},
        )
        # Ten prepaid hours (issue 19 §2): the tickets' time below draws from them.
        hour_pack_add(
            by=admin,
            organization=acme,
            minutes=10 * 60,
            price=Decimal("900.00"),
            sold_on=timezone.localdate().replace(month=1, day=1),
            description="Pack 10 h",
        )

    def _tickets(self, people: dict[str, User]) -> None:
        """A few tickets in every status, made through the services like real ones."""
        admin = people["admin@ecmp.example"]
        hardware, software, network, _accounts = (
            category_create(by=admin, name_en=en, name_fr=fr) for en, fr in DEMO_CATEGORIES
        )
        agent = people["agent@ecmp.example"]
        robert = people["user@acme.example"]
        hank = people["user@globex.example"]
        first = ticket_create(
            requester=robert,
            subject="Le logiciel XYZ ne s'ouvre plus",
            description="Depuis ce matin, XYZ se ferme dès le démarrage.\nMessage : erreur 0x80.",
            priority=Priority.HIGH,
            category=software,
        )
        ticket_transition(ticket=first, actor=agent, status=Status.OPEN)
        ticket_reply(
            ticket=first,
            author=agent,
            body="Bonjour, pouvez-vous nous envoyer le fichier journal de XYZ ?",
        )
        ticket_create(
            requester=robert,
            subject="Nouvelle imprimante pour le 2e étage",
            description="Pouvez-vous installer l'imprimante livrée hier ?",
            category=hardware,
        )
        done = ticket_create(
            requester=hank,
            subject="VPN disconnects every hour",
            description="The VPN drops every hour on the hour.",
            category=network,
        )
        ticket_transition(ticket=done, actor=agent, status=Status.WAIT)
        ticket_reply(ticket=done, author=agent, body="We renewed the certificate: fixed.")
        ticket_transition(ticket=done, actor=agent, status=Status.CLOSED)
        support = ActivityType.objects.get(name="Support")
        today = timezone.localdate()
        for ticket, minutes, text in [
            (first, 20, "Diagnostic à distance"),
            (first, 45, "Réinstallation de XYZ"),
            (done, 90, "Certificate renewal"),
        ]:
            time_entry_create(
                ticket=ticket,
                agent=agent,
                day=today,
                minutes=minutes,
                activity_type=support,
                description=text,
            )
