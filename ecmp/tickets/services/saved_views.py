"""Saved views of the desk queue: an agent's own, and those admins share with the team.

The query string arrives already cleaned by the queue's filter form (desk), so a
view never stores a key the queue does not know. Only the owner renames or
deletes a view; only an admin shares or unshares one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import require_admin, require_staff
from ecmp.tickets.models import SavedView

NAME_MAX = 80
QUERY_MAX = 500


def _clean_name(name: str) -> str:
    name = " ".join((name or "").replace("\x00", "").split())
    if not name:
        raise ValidationError(_("Give the view a name."), code="empty")
    if len(name) > NAME_MAX:
        raise ValidationError(
            _("A view's name has at most %(limit)s characters.") % {"limit": NAME_MAX},
            code="too_long",
        )
    return name


def _duplicate(name: str) -> ValidationError:
    return ValidationError(
        _("You already have a view named “%(name)s”.") % {"name": name}, code="duplicate"
    )


def saved_view_create(*, by: User, name: str, query: str) -> SavedView:
    require_staff(by)
    name = _clean_name(name)
    if len(query) > QUERY_MAX:
        raise ValidationError(_("These filters are too long to save."), code="too_long")
    if SavedView.objects.filter(owner=by, name__iexact=name).exists():
        raise _duplicate(name)
    try:
        with transaction.atomic():
            return SavedView.objects.create(owner=by, name=name, query=query)
    except IntegrityError:  # the same name saved at this moment, in another tab
        raise _duplicate(name) from None


def _require_owner(by: User, view: SavedView) -> None:
    require_staff(by)
    if view.owner_id != by.pk:
        raise PermissionDenied


def saved_view_rename(*, by: User, view: SavedView, name: str) -> SavedView:
    _require_owner(by, view)
    name = _clean_name(name)
    if SavedView.objects.filter(owner=by, name__iexact=name).exclude(pk=view.pk).exists():
        raise _duplicate(name)
    try:
        with transaction.atomic():
            SavedView.objects.filter(pk=view.pk).update(name=name)
    except IntegrityError:
        raise _duplicate(name) from None
    view.name = name
    return view


@transaction.atomic
def saved_view_delete(*, by: User, view: SavedView) -> None:
    _require_owner(by, view)
    SavedView.objects.filter(pk=view.pk).delete()


@transaction.atomic
def saved_view_share(*, by: User, view: SavedView, shared: bool) -> SavedView:
    """Admins share a view of theirs with the team, or stop sharing any shared view."""
    require_admin(by)
    if shared and view.owner_id != by.pk:
        raise PermissionDenied
    SavedView.objects.filter(pk=view.pk).update(shared=shared)
    view.shared = shared
    return view
