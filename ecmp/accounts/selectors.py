"""Every read of accounts data that depends on who asks."""

from __future__ import annotations

import hashlib

from django.db.models import Q, QuerySet

from ecmp.accounts.models import Invitation, RegistrationRequest, User


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
    if not (manager.is_customer and manager.is_team_manager and manager.organization_id):
        return RegistrationRequest.objects.none()
    return RegistrationRequest.objects.filter(
        organization_id=manager.organization_id
    ).select_related("requested_by", "decided_by")


def registration_request_list_for_staff(
    *, status: str | None = None
) -> QuerySet[RegistrationRequest]:
    requests = RegistrationRequest.objects.select_related(
        "organization", "requested_by", "decided_by"
    )
    return requests.filter(status=status) if status else requests
