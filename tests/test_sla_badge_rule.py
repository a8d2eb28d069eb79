"""The SLA badge's rule is one function (tickets/presentation.sla_cells), its words kept
per language (`sla_words`): the ticket page's badge (`sla_values`), the queue's rows
(`queue_cells`) and the desk home's items (item_cells.py) say what the rule written
plainly, with gettext at each call, says."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecmp.tickets.item_cells import ticket_item_cells
from ecmp.tickets.presentation import queue_cells, sla_cells, sla_values, sla_words
from ecmp.tickets.queue_reads import TicketItem
from ecmp.tickets.status import Channel, Priority, Status


def _plain_duration(delta_seconds):
    minutes = int(abs(delta_seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


def _plain(waiting_since, due_at, first_response_at, now):
    # The rule as it was written in `sla_values`, translating at each call.
    if waiting_since is not None:
        paused = _("SLA paused: waiting for the customer's answer")
        return True, "text-bg-info", paused, _("Waiting for the customer")
    if due_at is None:
        return False, None, None, None
    left = (due_at - now).total_seconds()
    what = _("first response") if first_response_at is None else _("resolution")
    if left < 0:
        return (
            True,
            "text-bg-danger",
            what,
            _("overdue by %(time)s") % {"time": _plain_duration(left)},
        )
    style = "text-bg-warning" if left < 3600 else "text-bg-light border"
    return True, style, what, _("%(time)s left") % {"time": _plain_duration(left)}


def _cases(now):
    # Every branch: paused (with and without a deadline), no deadline, overdue by
    # minutes, hours and days, due now, less than an hour left, exactly an hour,
    # hours and days left; a first response or not.
    deadlines = [
        None,
        now - timedelta(seconds=30),
        now - timedelta(minutes=5),
        now - timedelta(hours=3, minutes=2),
        now - timedelta(days=2, hours=1),
        now,
        now + timedelta(minutes=30),
        now + timedelta(hours=1),
        now + timedelta(hours=5, minutes=7),
        now + timedelta(days=3, hours=23, minutes=59),
    ]
    cases = [(None, due, answered, now) for due in deadlines for answered in (None, now)]
    cases += [(now, now - timedelta(days=1), None, now), (now, None, now, now)]
    return cases


class _Ticket:
    def __init__(self, waiting_since, sla_due_at, first_response_at):
        self.waiting_since = waiting_since
        self.sla_due_at = sla_due_at
        self.first_response_at = first_response_at


LANGUAGES = ["en", "fr", "en", "fr-ca", "fr", None]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rule_says_what_the_plain_rule_says(language):
    now = timezone.now()
    with translation.override(language):
        words = sla_words(translation.get_language())
        for waiting, due, answered, at in _cases(now):
            expected = _plain(waiting, due, answered, at)
            assert sla_cells(waiting, due, answered, at, words) == expected
            badge = sla_values(_Ticket(waiting, due, answered), at)
            if expected[0]:
                assert badge == dict(zip(("due", "style", "what", "text"), expected, strict=True))
            else:
                assert badge == {"due": False}


def test_the_words_kept_are_each_languages_own():
    # Alternating languages: each call gives the active language's words, never the
    # previous one's (the language is the memo's key).
    seen = {}
    for language in ["en", "fr", "en", "fr", None, "fr"]:
        with translation.override(language):
            words = sla_words(translation.get_language())
            assert words["first"] == _("first response")
            assert words["overdue"] == _("overdue by %(time)s")
            assert words["minutes"] == _("%(m)s min")
            seen[language] = words
    assert seen["fr"]["first"] != seen["en"]["first"]
    assert seen["fr"]["left"] != seen["en"]["left"]


def _row(number, waiting, due, answered, at):
    return (
        *(number, f"Subject {number}", Status.OPEN, Priority.NORMAL, Channel.WEB, 1, at),
        *(due, answered, waiting, "Alice", 1, "Acme", None, None, None, None, None),
    )


@pytest.mark.parametrize("language", ["en", "fr", "en"])
def test_the_lists_cells_are_the_rules(language, db):
    now = timezone.now()
    cases = _cases(now)
    with translation.override(language):
        rows = queue_cells(
            [_row(n + 1, *case) for n, case in enumerate(cases)], now, "desk:ticket-detail"
        )
        items = [
            TicketItem(n + 1, "S", Priority.LOW, waiting, due, answered)
            for n, (waiting, due, answered, _at) in enumerate(cases)
        ]
        cells = ticket_item_cells(items, now)
        for row, cell, case in zip(rows, cells, cases, strict=True):
            expected = _plain(*case)
            assert (row.sla_due, row.sla_style, row.sla_what, row.sla_text) == expected
            assert (cell.sla_due, cell.sla_style, cell.sla_what, cell.sla_text) == expected
            assert row.select == _("Select ticket %(number)s") % {"number": row.number}
            assert row.late == bool(case[1] and case[1] < now)


def test_the_words_are_those_of_the_language_asked_whatever_is_active():
    sla_words.cache_clear()
    with translation.override("en"):
        french = sla_words("fr")
    with translation.override("fr"):
        english = sla_words("en")
    assert french["waiting"] == "En attente du client"
    assert english["waiting"] == "Waiting for the customer"
