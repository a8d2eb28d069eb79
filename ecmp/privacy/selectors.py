"""Whose personal data an admin may act on."""

from __future__ import annotations

from django.http import Http404

from ecmp.accounts.models import Role, User


def person_for_admin(by: User, user_id: int) -> User:
    """Anyone, for an active admin; for anybody else nobody exists here (404)."""
    if not (by.is_active and by.role == Role.ADMIN):
        raise Http404
    person = User.objects.select_related("organization").filter(pk=user_id).first()
    if person is None:
        raise Http404
    return person
