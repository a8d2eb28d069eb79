"""What the desk's side menu counts: held mail and pending registration requests (and
removal requests); on a staff page, read with the bell's count."""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import QuerySet, Subquery
from django.http import HttpRequest

from ecmp.accounts.models import RegistrationRequest, RemovalRequest, Role, User
from ecmp.accounts.removal_selectors import removal_request_list_for_staff
from ecmp.accounts.selectors import registration_request_list_for_staff
from ecmp.core.counting import count_of
from ecmp.core.prepared import INTEGER, ConstantsWritten
from ecmp.mail.selectors import inbound_list_for_staff
from ecmp.notifications.selectors import notification_list_for, notification_unread_count_for


class DeskAlerts(TypedDict):
    held_mail: int
    registration_requests: int


def _alert_rows() -> tuple[QuerySet, QuerySet, QuerySet]:
    held = inbound_list_for_staff("held")
    pending = registration_request_list_for_staff(status=RegistrationRequest.Status.PENDING)
    # A manager's request to remove a colleague waits for the same people: counted along.
    removals = removal_request_list_for_staff(status=RemovalRequest.Status.PENDING)
    return held, pending, removals


def _alerts(held: int, pending: int, removals: int) -> DeskAlerts:
    return {"held_mail": held, "registration_requests": pending + removals}


def menu_columns(user_id: Any) -> list[Subquery]:
    """The menu's counts (held, pending registrations, pending removals) and the agent's
    unread notifications (the bell's count, as `notification_unread_count_for` reads it
    for the support team): a statement's first four columns, on the agent's row."""
    stand_in = User(pk=user_id, role=Role.AGENT, is_active=True)
    unread = notification_list_for(stand_in, unread_only=True)
    return [count_of(rows) for rows in (*_alert_rows(), unread)]


def _with_bell(user_id: int) -> QuerySet[Any, Any]:
    return User.objects.filter(pk=user_id).order_by().values_list(*menu_columns(user_id))


_WITH_BELL = ConstantsWritten(_with_bell, (INTEGER,))


class _PageCounts:
    """A staff page's counts, each read at most once: the menu's (written first, by
    the side menu) read in the same statement as the bell's, whose own statement then
    is not run (a statement costs a page 60-100 µs). A page without the menu (the
    bell's own fragment) reads the bell's count alone, as before. The desk home's
    pending registration requests are the menu's (`page_counts`)."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._row: tuple[int, int, int] | None = None
        self._unread: int | None = None

    def _menu_row(self) -> tuple[int, int, int]:
        if self._row is None:
            self.fill(_WITH_BELL.rows(self.user.pk))
        assert self._row is not None
        return self._row

    def fill(self, rows: list[tuple[Any, ...]]) -> None:
        """The counts from the rows of a statement whose first columns are
        `menu_columns` (on the agent's row: none if the row is gone)."""
        held, pending, removals, unread = rows[0][:4] if rows else (0, 0, 0, None)
        self._row = (int(held), int(pending), int(removals))
        if unread is not None and self._unread is None:
            self._unread = int(unread)

    def alerts(self) -> DeskAlerts:
        return _alerts(*self._menu_row())

    def pending_registrations(self) -> int:
        """`registration_request_list_for_staff(status=PENDING).count()`."""
        return self._menu_row()[1]

    def unread(self) -> int:
        if self._unread is None:
            self._unread = notification_unread_count_for(self.user)
        return self._unread


def page_counts(request: HttpRequest) -> _PageCounts:
    """The staff page's counts, one reader per request: the view and the layout share it."""
    counts = getattr(request, "_desk_page_counts", None)
    if counts is None:
        counts = _PageCounts(request.user)  # type: ignore[arg-type]  # staff: signed in
        setattr(request, "_desk_page_counts", counts)  # noqa: B010 - no such attribute declared
    return counts


def alerts(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `desk_alerts()` for the support team's menu, and the bell's
    `unread_notifications()` (in place of notifications/context_processors.py's, which
    runs before). Lazy, so a page that shows no menu pays nothing, read once for the
    page; nothing for customers. (A deactivated agent is never signed in: the sign-in
    backend's `get_user` refuses them, so the request's user is anonymous.)"""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_support_staff:
        return {}
    counts = page_counts(request)
    return {"desk_alerts": counts.alerts, "unread_notifications": counts.unread}
