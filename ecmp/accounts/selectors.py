"""Every read of accounts data that depends on who asks."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Replace

from ecmp.accounts.models import (
    STAFF_ROLES,
    Invitation,
    Organization,
    RegistrationRequest,
    Role,
    User,
)
from ecmp.core.access import Actor, require_staff
from ecmp.core.prepared import prepared

# What people put between a phone number's digits: ignored when matching one.
PHONE_SEPARATORS = (" ", "-", ".", "/", "(", ")")
PICKER_WORDS_MAX = 5


def _team() -> QuerySet[User, tuple[int, str, str]]:
    team = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("full_name", "email")
    return team.values_list("pk", "full_name", "email")


# Compiled once per process (core/prepared.py): every desk ticket page and queue asks.
_TEAM = prepared(_team, arity=0)


def staff_choices() -> list[tuple[int, str]]:
    """The active support team as (id, name) for a select: the name, else the address
    (as `get_full_name`), without building a User for each."""
    return [(pk, name or email) for pk, name, email in _TEAM.rows()]


def _clients() -> QuerySet[Organization, tuple[int, str]]:
    return Organization.objects.order_by("name").values_list("pk", "name")


_CLIENTS = prepared(_clients, arity=0)


def organization_choices() -> list[tuple[int, str]]:
    """Every client organization as (id, name), by name (the billing page's, the
    support reports' selects)."""
    return [(pk, name) for pk, name in _CLIENTS.rows()]


def _client_name(pk: int) -> QuerySet[Organization, tuple[str]]:
    return Organization.objects.filter(pk=pk).order_by().values_list("name")


_CLIENT_NAME = prepared(_client_name, arity=1)


def organization_name(pk: int) -> str | None:
    """An organization's name, None if no organization has that id (the desk
    queue's organization filter shows the chosen one's)."""
    rows = _CLIENT_NAME.rows(pk)
    return rows[0][0] if rows else None


def user_find_by_identifier(identifier: str) -> User | None:
    """The user whose email or username is `identifier`, in any case, or None."""
    ident = identifier.strip().lower()
    # PostgreSQL refuses NUL in text; nobody's login contains one.
    if not ident or "\x00" in ident or len(ident) > 254:
        return None
    lookup = Q(email=ident) if "@" in ident else Q(username=ident)
    try:
        return User.objects.select_related("organization").get(lookup)
    except (User.DoesNotExist, User.MultipleObjectsReturned):
        return None


def customer_find_by_email(email: str) -> User | None:
    """The active client user who signs in with `email`, or None."""
    return User.objects.filter(email=email, role=Role.CUSTOMER, is_active=True).first()


def reading_language(addresses: Iterable[str]) -> Callable[[str], str]:
    """language_of(address): the language of the person an email address belongs to,
    the site's for an address without an account (billing contacts, mostly). One read
    for all the addresses."""
    languages = dict(
        User.objects.filter(email__in=[a.lower() for a in addresses]).values_list(
            "email", "language"
        )
    )
    return lambda address: languages.get(address.lower()) or settings.LANGUAGE_CODE


def user_email_taken(email: str) -> bool:
    return User.objects.filter(email=email.strip().lower()).exists()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invitation_get_by_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state; None if unknown."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("user", "user__organization")
        .filter(token_hash=token_digest(token))
        .first()
    )


def invitation_list_for_staff() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("user", "user__organization", "created_by")


def registration_request_list_for_manager(manager: User) -> QuerySet[RegistrationRequest]:
    """A team manager sees the requests made for their own organization."""
    if (organization_id := manager.managed_organization_id) is None:
        return RegistrationRequest.objects.none()
    return RegistrationRequest.objects.filter(organization_id=organization_id).select_related(
        "requested_by", "decided_by"
    )


def registration_request_list_for_staff(
    *, status: str | None = None
) -> QuerySet[RegistrationRequest]:
    requests = RegistrationRequest.objects.select_related(
        "organization", "requested_by", "decided_by"
    ).annotate(already_registered=Exists(User.objects.filter(email=OuterRef("email"))))
    return requests.filter(status=status) if status else requests


def user_list_for_organization(organization: Organization) -> QuerySet[User]:
    pending = Invitation.objects.filter(
        user=OuterRef("pk"), accepted_at=None, revoked_at=None
    ).order_by("-created_at")
    return (
        User.objects.filter(organization=organization)
        .annotate(pending_invitation_expires=Subquery(pending.values("expires_at")[:1]))
        .order_by("full_name")
    )


def _phone_digits(text: str) -> str:
    return re.sub(r"[\s\-./()]", "", text)


def customers_for_picker(by: Actor, text: str, limit: int = 10) -> list[User]:
    """Who an agent can open a ticket for: active client users of active client
    companies whose name, email, phone or company matches every word typed; a
    phone number matches whatever its spacing. One query; staff only."""
    require_staff(by)
    text = " ".join(text.replace("\x00", "").split())[:200]
    words = text.split()[:PICKER_WORDS_MAX]
    if not words:
        return []
    phone: F | Replace = F("phone")
    for separator in PHONE_SEPARATORS:
        phone = Replace(phone, Value(separator), Value(""))
    people = User.objects.filter(
        role=Role.CUSTOMER, is_active=True, organization__active=True
    ).annotate(phone_digits=phone)
    number = _phone_digits(text)
    if len(words) > 1 and number.lstrip("+").isdigit():
        # "06 12 34" is one phone number, not three words.
        people = people.filter(phone_digits__contains=number)
    else:
        for word in words:
            match = (
                Q(full_name__icontains=word)
                | Q(email__icontains=word)
                | Q(organization__name__icontains=word)
            )
            digits = _phone_digits(word)
            if any(c.isdigit() for c in digits):
                match |= Q(phone_digits__contains=digits)
            people = people.filter(match)
    return list(
        people.select_related("organization")
        .only("pk", "full_name", "email", "phone", "organization__name")
        .order_by("full_name", "email")[:limit]
    )


def requester_get_for_staff(by: Actor, pk: int | None) -> User | None:
    """The person a desk form names by id, with their company (whether a ticket may
    be opened for them is the service's to say); None if there is nobody."""
    require_staff(by)
    if pk is None:
        return None
    return User.objects.select_related("organization").filter(pk=pk).first()
