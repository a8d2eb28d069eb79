"""Whose personal data an admin may act on."""

from __future__ import annotations

from django.http import Http404

from ecmp.accounts.models import User
from ecmp.core.access import is_admin


def person_for_admin(by: User, user_id: int) -> User:
    """Anyone, for an active admin; for anybody else nobody exists here (404)."""
    if not is_admin(by):
        raise Http404
    person = User.objects.select_related("organization").filter(pk=user_id).first()
    if person is None:
        raise Http404
    return person
