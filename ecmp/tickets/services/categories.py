"""Categories: the admins' list (names in English and French, order, active), and an
agent setting a ticket's category.

A category in use is never deleted: it is deactivated, and then no longer offered
for new tickets or changes, while the tickets that have it keep it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.core.access import require_admin, require_staff
from ecmp.tickets.events import event_record
from ecmp.tickets.models import Category, EventKind, Ticket
from ecmp.tickets.services.common import lock, require_writable_by, save

NAME_MAX = 80
# The audit log's kind for every change of the list (accounts' AuditEvent.Kind does
# not name it yet: the log shows this code until it does).
AUDIT_KIND = AuditEvent.Kind.CATEGORY_CHANGED


def _clean_names(name_en: str, name_fr: str) -> tuple[str, str]:
    name_en = " ".join((name_en or "").replace("\x00", "").split())
    name_fr = " ".join((name_fr or "").replace("\x00", "").split())
    if not name_en or not name_fr:
        raise ValidationError(
            _("A category needs a name in English and a name in French."), code="empty"
        )
    if len(name_en) > NAME_MAX or len(name_fr) > NAME_MAX:
        raise ValidationError(
            _("A category's name has at most %(limit)s characters.") % {"limit": NAME_MAX},
            code="too_long",
        )
    return name_en, name_fr


def _refuse_duplicates(name_en: str, name_fr: str, *, other_than: int | None = None) -> None:
    """Names compared in Python, case and accents' case alike (SQLite's LIKE folds
    ASCII only): the list is short."""
    wanted = {name_en.casefold(), name_fr.casefold()}
    for pk, english, french in Category.objects.values_list("pk", "name_en", "name_fr"):
        if pk == other_than:
            continue
        for taken in (english, french):
            if taken.casefold() in wanted:
                raise ValidationError(
                    _("There is already a category named “%(name)s”.") % {"name": taken},
                    code="duplicate",
                )


def category_create(*, by: User, name_en: str, name_fr: str) -> Category:
    """A new category, active, last in the list."""
    require_admin(by)
    name_en, name_fr = _clean_names(name_en, name_fr)
    try:
        with transaction.atomic():
            _refuse_duplicates(name_en, name_fr)
            last = Category.objects.aggregate(last=Max("position"))["last"]
            category = Category.objects.create(
                name_en=name_en, name_fr=name_fr, position=0 if last is None else last + 1
            )
            audit_record(
                AUDIT_KIND,
                actor=by,
                target=category,
                changes={"name_en": [None, name_en], "name_fr": [None, name_fr]},
                detail="created",
            )
    except IntegrityError:  # the same name added by another admin at this moment
        raise ValidationError(
            _("There is already a category named “%(name)s”.") % {"name": name_en},
            code="duplicate",
        ) from None
    return category


def category_rename(*, by: User, category: Category, name_en: str, name_fr: str) -> Category:
    require_admin(by)
    name_en, name_fr = _clean_names(name_en, name_fr)
    try:
        with transaction.atomic():
            locked = Category.objects.select_for_update().get(pk=category.pk)
            _refuse_duplicates(name_en, name_fr, other_than=locked.pk)
            changes = {
                field: [getattr(locked, field), value]
                for field, value in (("name_en", name_en), ("name_fr", name_fr))
                if getattr(locked, field) != value
            }
            if changes:
                locked.name_en, locked.name_fr = name_en, name_fr
                locked.save(update_fields=["name_en", "name_fr"])
                audit_record(AUDIT_KIND, actor=by, target=locked, changes=changes)
    except IntegrityError:
        raise ValidationError(
            _("There is already a category named “%(name)s”.") % {"name": name_en},
            code="duplicate",
        ) from None
    category.name_en, category.name_fr = name_en, name_fr
    return category


@transaction.atomic
def category_set_active(*, by: User, category: Category, active: bool) -> Category:
    """Deactivated: kept on its tickets, no longer offered; reactivated: offered again."""
    require_admin(by)
    locked = Category.objects.select_for_update().get(pk=category.pk)
    if locked.active != active:
        locked.active = active
        locked.save(update_fields=["active"])
        audit_record(AUDIT_KIND, actor=by, target=locked, changes={"active": [not active, active]})
    category.active = active
    return category


@transaction.atomic
def category_move(*, by: User, category: Category, up: bool) -> None:
    """One place up or down in the list; the list is numbered afresh (it is short)."""
    require_admin(by)
    ordered = list(Category.objects.select_for_update().order_by("position", "name_en", "pk"))
    index = next((i for i, row in enumerate(ordered) if row.pk == category.pk), None)
    if index is None:
        return
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    audit_record(
        AUDIT_KIND,
        actor=by,
        target=category,
        changes={"position": [index, other]},
        detail="moved up" if up else "moved down",
    )


def ticket_category_set(
    *, ticket: Ticket, actor: User, category: Category | None, version: int | None = None
) -> Ticket:
    """An agent files a ticket under a category (an active one), or under none.

    The event keeps the English names, the categories' stable names (a thread
    written before a rename still says what it was then)."""
    require_staff(actor)
    if category is not None and not category.active:
        raise ValidationError(
            _("The category “%(name)s” is no longer in use: choose another.")
            % {"name": category.label()},
            code="category",
        )
    with transaction.atomic():
        locked = lock(ticket, version=version)
        require_writable_by(locked, actor)
        new_id = category.pk if category is not None else None
        if locked.category_id == new_id:
            raise ValidationError(_("The ticket already has this category."), code="same")
        previous = (
            Category.objects.filter(pk=locked.category_id).values_list("name_en", flat=True).first()
            if locked.category_id
            else None
        )
        locked.category = category
        event_record(
            ticket=locked,
            actor=actor,
            kind=EventKind.CATEGORY,
            from_value=(previous or "")[:100],
            to_value=(category.name_en if category is not None else "")[:100],
            internal=True,
        )
        save(locked, ["category"])
    ticket.category = category
    ticket.version = locked.version
    return ticket
