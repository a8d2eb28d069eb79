"""Reads of categories: the admins' list, and the active ones offered on forms and
filters. Categories are few; each read is one query."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from ecmp.accounts.models import User
from ecmp.core.access import is_admin
from ecmp.tickets.models import Category


def categories_for_admin(user: User) -> list[Category]:
    """Every category, active or not, in the list's order; none for a non-admin."""
    if not is_admin(user):
        return []
    return list(Category.objects.order_by("position", "name_en", "pk"))


def category_for_admin(user: User, pk: int) -> Category:
    if not is_admin(user):
        raise Http404
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise Http404
    return category


def categories_active() -> QuerySet[Category]:
    """The categories offered for new tickets and changes (forms read it once)."""
    return Category.objects.filter(active=True).order_by("position", "name_en", "pk")


def categories_in_order() -> list[Category]:
    """Every category, active ones first, in the list's order: the queue's filter also
    finds tickets filed under one deactivated since; its bulk bar offers the active."""
    return list(categories_ordered())


def categories_ordered() -> QuerySet[Category]:
    """`categories_in_order` as a queryset."""
    return Category.objects.order_by("-active", "position", "name_en", "pk")
