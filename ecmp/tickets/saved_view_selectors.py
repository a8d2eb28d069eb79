"""Reads of the desk's saved views, for the agent who asks."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from ecmp.accounts.models import User
from ecmp.core.access import is_admin, is_staff_member
from ecmp.tickets.models import SavedView


def saved_views_for_agent(user: User) -> list[SavedView]:
    """The agent's own views and the team's shared ones, in one query."""
    if not is_staff_member(user):
        return []
    return list(
        SavedView.objects.filter(Q(owner=user) | Q(shared=True))
        .select_related("owner")
        .only("id", "name", "query", "shared", "owner_id", "owner__full_name", "owner__email")
        .order_by("name", "pk")
    )


def saved_view_for_owner(user: User, pk: int) -> SavedView:
    """One of the agent's own views; anyone else's does not exist for them (404)."""
    view = SavedView.objects.filter(pk=pk, owner_id=user.pk).first()
    if view is None or not is_staff_member(user):
        raise Http404
    return view


def saved_view_for_sharing(user: User, pk: int) -> SavedView:
    """For an admin: one of their own views, or any shared one."""
    if not is_admin(user):
        raise Http404
    view = SavedView.objects.filter(Q(owner_id=user.pk) | Q(shared=True), pk=pk).first()
    if view is None:
        raise Http404
    return view
