"""Tickets as the pages show them: badges, SLA badges, the rows of lists and the
thread's entries, computed once per row (config/jinja.py makes them globals)."""

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from jinja2 import Environment, pass_environment

from ecmp.accounts.models import STAFF_ROLES
from ecmp.core.prepared_rows import moment
from ecmp.core.presentation import instant_in, link_in
from ecmp.tickets.category_names import category_name
from ecmp.tickets.customer_list_reads import CustomerRow
from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.status import Channel, Priority, Status
from ecmp.tickets.thread_reads import ThreadEvent, ThreadFile

STATUS_STYLES = {
    Status.NEW: "text-bg-primary",
    Status.OPEN: "text-bg-info",
    Status.WAIT: "text-bg-warning",
    Status.CLOSED: "text-bg-secondary",
}
PRIORITY_STYLES = {
    Priority.LOW: "text-bg-light border",
    Priority.NORMAL: "text-bg-light border",
    Priority.HIGH: "text-bg-warning",
    Priority.URGENT: "text-bg-danger",
}


# How a ticket came in, as the queue's rows show it next to the number (Bootstrap
# Icons); a customer's web ticket shows nothing.
CHANNEL_ICONS: dict[str, str] = {
    Channel.EMAIL: "bi-envelope",
    Channel.PHONE: "bi-telephone",
    Channel.ON_SITE: "bi-geo-alt",
    Channel.CHAT: "bi-chat-dots",
}


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return str(value)


@lru_cache(maxsize=256)
def _badge(kind: str, value, language: str) -> dict:
    # Memoized per language: every row of every list shows two badges.
    styles, choices = (STATUS_STYLES, Status) if kind == "status" else (PRIORITY_STYLES, Priority)
    return {"style": styles.get(value, "text-bg-light"), "label": str(_label(choices, value))}


def channel_label(channel: str) -> str:
    """The ticket's channel as `get_channel_display()` gives it, in the active language."""
    return _channel_label(channel, get_language())


@lru_cache(maxsize=64)
def _channel_label(channel: str, language: str | None) -> str:
    # Channel's label in `language` (the active one, the caller's key): a pure function
    # of the two, the enumeration being fixed for the process. Translating the label
    # cost each desk ticket page some 12 µs, and every row of the queue shows one.
    return str(_label(Channel, channel))


def status_badge(status: str) -> dict:
    return _badge("status", status, get_language())


def priority_badge(priority: int) -> dict:
    return _badge("priority", priority, get_language())


def event_summary(event: ThreadEvent, language: str | None = None) -> str:
    """What happened, in words: "Ticket created", "Status changed from New to Open"…
    (`language`: the active one, when the caller has read it)."""
    kind = event.kind
    if kind in _NAMED_KINDS:  # names: never kept past the page
        return _summary(kind, event.from_value, event.to_value)
    coded = kind in _CODED_KINDS
    from_value, to_value = (event.from_value, event.to_value) if coded else ("", "")
    return _coded_summary(kind, from_value, to_value, language or get_language())


# Kinds whose words hold names (a category's, a follower's), and those whose values
# are codes (a status, a priority): the words of the latter and of every other kind
# depend on the code and the language alone, and are memoized per process.
_NAMED_KINDS = frozenset({EventKind.CATEGORY, EventKind.FOLLOWER_ADDED, EventKind.FOLLOWER_REMOVED})
_CODED_KINDS = frozenset({EventKind.STATUS, EventKind.REOPENED, EventKind.PRIORITY})


@lru_cache(maxsize=512)
def _coded_summary(kind: str, from_value: str, to_value: str, language: str | None) -> str:
    return _summary(kind, from_value, to_value)


def _summary(kind: str, from_value: str, to_value: str) -> str:
    if kind in (EventKind.STATUS, EventKind.REOPENED):
        words = {"from": _label(Status, from_value), "to": _label(Status, to_value)}
        if kind == EventKind.REOPENED:
            return _("Reopened (%(from)s → %(to)s)") % words
        return _("Status changed from %(from)s to %(to)s") % words
    if kind == EventKind.PRIORITY:
        return _("Priority changed from %(from)s to %(to)s") % {
            "from": _label(Priority, int(from_value or 0)),
            "to": _label(Priority, int(to_value or 0)),
        }
    if kind == EventKind.CATEGORY:  # the categories' English names, as recorded
        return _("Category changed from %(from)s to %(to)s") % {
            "from": category_name(from_value) or "—",
            "to": category_name(to_value) or "—",
        }
    if kind in (EventKind.FOLLOWER_ADDED, EventKind.FOLLOWER_REMOVED):
        # to_value: the follower's name as it was then.
        return _("%(kind)s: %(name)s") % {"kind": _label(EventKind, kind), "name": to_value}
    return str(_label(EventKind, kind))


@lru_cache(maxsize=16)
def sla_words(language: str | None) -> dict[str, str]:
    """The SLA badge's words in `language` (callers pass the active one,
    `get_language()`), translated once per language and process. Safe to keep: the
    catalog's translations of fixed msgids, and the language is the key; nothing of a
    ticket or a person. Shared: read it, never change it."""
    with override(language):  # in `language` whatever is active (its cache's key)
        return _sla_words_now()


def _sla_words_now() -> dict[str, str]:
    return {
        "paused": _("SLA paused: waiting for the customer's answer"),
        "waiting": _("Waiting for the customer"),
        "first": _("first response"),
        "resolution": _("resolution"),
        "overdue": _("overdue by %(time)s"),
        "left": _("%(time)s left"),
        "days": _("%(d)s d %(h)s h"),
        "hours": _("%(h)s h %(m)s min"),
        "minutes": _("%(m)s min"),
    }


def sla_duration(delta_seconds: float, words: dict[str, str]) -> str:
    """How long, in days and hours, hours and minutes, or minutes (`sla_words`)."""
    minutes = int(abs(delta_seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return words["days"] % {"d": days, "h": hours}
    if hours:
        return words["hours"] % {"h": hours, "m": minutes}
    return words["minutes"] % {"m": minutes}


def sla_cells(
    waiting_since: Any,
    due_at: datetime | None,
    first_response_at: Any,
    now: datetime,
    words: dict[str, str],
) -> tuple[bool, str | None, str | None, str | None]:
    """The SLA badge's rule: (due, style, what, text) — time left before the next
    deadline, or how late it is; `due` False: no deadline, and no badge. Every list
    and page writes its badge from these (`sla_values`, `queue_cells`,
    item_cells.py); `words` are `sla_words(get_language())`."""
    if waiting_since is not None:  # the clock stands still (tickets/services/waiting.py)
        return True, "text-bg-info", words["paused"], words["waiting"]
    if due_at is None:
        return False, None, None, None
    left = (due_at - now).total_seconds()
    what = words["first"] if first_response_at is None else words["resolution"]
    if left < 0:
        return True, "text-bg-danger", what, words["overdue"] % {"time": sla_duration(left, words)}
    style = "text-bg-warning" if left < 3600 else "text-bg-light border"
    return True, style, what, words["left"] % {"time": sla_duration(left, words)}


def sla_values(ticket, now: datetime) -> dict:
    """The SLA badge's words (`sla_cells`) as a dictionary: `due` False alone when
    there is no deadline. Plain values; the markup is includes/ui.html's `sla`
    macro's or, in long lists, the row's own."""
    due, style, what, text = sla_cells(
        ticket.waiting_since,
        ticket.sla_due_at,
        ticket.first_response_at,
        now,
        sla_words(get_language()),
    )
    if not due:
        return {"due": False}
    return {"due": True, "style": style, "what": what, "text": text}


def sla_badge(ticket) -> dict:
    """Time left before the next deadline, or how late it is (includes/ui.html's `sla`)."""
    return sla_values(ticket, timezone.now())


# --- Long lists ------------------------------------------------------------------
# The queue's rows and the thread's entries are written by their templates
# (desk/queue.html, includes/thread.html) without an inclusion tag per cell: an
# inclusion tag costs 10-15 µs, and a page shows hundreds. These tags give the
# templates, once per row, the plain values the cells need (badges' classes and
# labels, a <time>'s two strings, the SLA badge's words), in flat dictionaries
# (the template engine's fastest lookup). No markup here.


class QueueRow(NamedTuple):
    """A row of the desk queue as desk/queue.html writes it. A named tuple, not a
    dictionary: Jinja2 reads `row.name` as an attribute first (a dictionary's costs
    an AttributeError per cell, 24 cells in each of 25 rows)."""

    number: Any
    url: Any
    select: Any
    late: Any
    channel_icon: Any
    channel: Any
    version: Any
    category: Any
    subject: Any
    requester: Any
    organization: Any
    status_style: Any
    status: Any
    priority_style: Any
    priority: Any
    assignee: Any
    sla_due: Any
    sla_style: Any
    sla_what: Any
    sla_text: Any
    machine: Any
    person: Any


def queue_cells(rows: Iterable[tuple], now: datetime, view: str) -> list[QueueRow]:
    """Each row of the desk queue (desk/queue.html), from the rows of
    tickets/queue_reads.py (`ROW`'s columns): the ticket's values and its cells'.
    The words every row may show are kept per language (`sla_words`)."""
    language = get_language()
    # tickets.models.category_label's rule, written in the row loop below (a call per row).
    french = (language or "en").startswith("fr")
    words = sla_words(language)
    select_word = _("Select ticket %(number)s")
    # What `instant` and `link` read per call (thread-local), read once for the list.
    zone, prefix, urlconf = timezone.get_current_timezone_name(), get_script_prefix(), get_urlconf()
    rows_out = []
    for (
        number,
        subject,
        status_value,
        priority_value,
        channel,
        version,
        last_activity_at,
        sla_due_at,
        first_response_at,
        waiting_since,
        requester,
        organization_id,
        organization,
        assignee_id,
        assignee,
        category_id,
        category_en,
        category_fr,
    ) in rows:
        status = _badge("status", status_value, language)
        priority = _badge("priority", priority_value, language)
        due = moment(sla_due_at)
        activity = moment(last_activity_at)
        machine, person = instant_in(activity, language, zone) if activity else ("", "")
        sla_due, sla_style, sla_what, sla_text = sla_cells(
            waiting_since, due, first_response_at, now, words
        )
        rows_out.append(
            QueueRow(
                number=number,
                url=link_in(view, (number,), prefix, urlconf),
                select=select_word % {"number": number},
                late=bool(due and due < now),
                channel_icon=CHANNEL_ICONS.get(channel, ""),
                channel=_channel_label(channel, language) if channel != Channel.WEB else "",
                version=version,
                category=(category_fr if french and category_fr else category_en)
                if category_id
                else "",
                subject=subject,
                requester=requester,
                organization=organization if organization_id else "",
                status_style=status["style"],
                status=status["label"],
                priority_style=priority["style"],
                priority=priority["label"],
                assignee=(assignee if assignee_id else "") or "—",
                sla_due=sla_due,
                sla_style=sla_style,
                sla_what=sla_what,
                sla_text=sla_text,
                machine=machine,
                person=person,
            )
        )
    return rows_out


class TicketCell(NamedTuple):
    """A row of a customer's ticket list (portal/_ticket_table.html) or of the desk
    search's tickets (attributes: Jinja2's fastest lookup)."""

    number: int
    url: str
    subject: str
    requester_id: int
    requester_name: str
    status_style: str
    status: str
    # "Waiting for your answer" beside the status (tickets/services/waiting.py).
    waiting: bool
    priority_style: str
    priority: str
    created: str
    created_person: str
    activity: str
    activity_person: str


def _ticket_cell(
    number: int,
    subject: str,
    status_value: str,
    priority_value: int,
    created_at: datetime,
    last_activity_at: datetime | None,
    waiting: bool,
    requester_id: int,
    requester_name: str,
    context: tuple[str, str | None, str, str, str | None],
) -> TicketCell:
    view, language, zone, prefix, urlconf = context
    status = _badge("status", status_value, language)
    priority = _badge("priority", priority_value, language)
    created, person = instant_in(created_at, language, zone)
    activity, activity_person = (
        instant_in(last_activity_at, language, zone) if last_activity_at else ("", "")
    )
    return TicketCell(
        number,
        link_in(view, (number,), prefix, urlconf),
        subject,
        requester_id,
        requester_name,
        status["style"],
        status["label"],
        waiting,
        priority["style"],
        priority["label"],
        created,
        person,
        activity,
        activity_person,
    )


def _cell_context(view: str) -> tuple[str, str | None, str, str, str | None]:
    # What `instant` and `link` read per call (context-local), read once for the list.
    return (
        view,
        get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        get_urlconf(),
    )


def ticket_cells(tickets: Iterable[Ticket], view: str) -> list[TicketCell]:
    """Each row of a list of tickets read as models (the followed tickets, the desk
    search)."""
    context = _cell_context(view)
    return [
        _ticket_cell(
            t.number,
            t.subject,
            t.status,
            t.priority,
            t.created_at,
            t.last_activity_at,
            # Where the list reads the column (the desk's search does not): no query.
            t.__dict__.get("waiting_since") is not None,
            t.requester_id,
            t.requester.full_name,
            context,
        )
        for t in tickets
    ]


def customer_cells(rows: Iterable[CustomerRow], view: str) -> list[TicketCell]:
    """Each row of a customer's list read as plain rows (tickets/customer_list_reads.py)."""
    context = _cell_context(view)
    return [
        _ticket_cell(
            r.number,
            r.subject,
            r.status,
            r.priority,
            r.created_at,
            r.last_activity_at,
            r.waiting_since is not None,
            r.requester_id,
            r.requester_name,
            context,
        )
        for r in rows
    ]


# What any link Django's urlize makes must hold (its two URL patterns and its email
# test, with the same flags): a body without any of these is written by urlize
# escaped, each word as `escape` writes it, so the template skips urlize for it.
_MIGHT_LINK = re.compile(r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)", re.IGNORECASE)
# The same marks in ASCII lower case: an ASCII text lowered holds one of them where
# _MIGHT_LINK finds one (its case-blind matching then compares ASCII letters alone),
# found a few times faster than by the expression (which no literal prefix speeds up).
_LINK_MARKS = (
    "@",
    "http://",
    "https://",
    "www.",
    ".com",
    ".edu",
    ".gov",
    ".int",
    ".mil",
    ".net",
    ".org",
)


def _might_link(body: str) -> bool:
    """Whether `_MIGHT_LINK` finds a mark in `body`."""
    if body.isascii():
        lowered = body.lower()
        return any(mark in lowered for mark in _LINK_MARKS)
    return _MIGHT_LINK.search(body) is not None


# What separates urlize's words (it splits a text on runs of these, and links or
# escapes each word alone); the last of them before a position (searched up to it).
_SEPARATOR = re.compile(r"""[\s<>"']""")
_LAST_SEPARATOR = re.compile(r"""[\s<>"'](?=[^\s<>"']*\Z)""")


def _link_pieces(body: str) -> list[tuple[str, bool]]:
    """The body cut between urlize's words into pieces, each with whether urlize
    could link it (one word) or not (the words between, with their separators):
    urlize then linebreaksbr of each linkable piece, linebreaksbr of the others,
    give what urlize then linebreaksbr give of the whole body (a separator run is
    never cut, so neither is a CR LF); urlize then looks at a few words, not all.
    A linkable word is found from what makes it one (`_MIGHT_LINK`, never across a
    separator), not by looking at every word: a text's few links cost its length
    in C, not a Python step per word."""
    pieces: list[tuple[str, bool]] = []
    done = 0  # where the pieces cut so far end: 0, or a separator after a word
    for found in _MIGHT_LINK.finditer(body):
        start = found.start()
        if start < done:  # in the word just cut
            continue
        before = _LAST_SEPARATOR.search(body, done, start)
        word_start = before.end() if before is not None else done
        after = _SEPARATOR.search(body, found.end())
        word_end = after.start() if after is not None else len(body)
        if word_start > done:
            pieces.append((body[done:word_start], False))
        pieces.append((body[word_start:word_end], True))
        done = word_end
    if done < len(body):
        pieces.append((body[done:], False))
    return pieces


def _body_pieces(body: str, linkable: bool) -> list[tuple[Any, int]]:
    """How includes/thread.html writes a body that is not plain, piece by piece: 1
    a word urlize may link (urlize then linebreaksbr), 2 text with a quote
    (linebreaksbr: Django escapes quotes otherwise than Jinja2), 0 other text as its
    lines (normalized as linebreaksbr normalizes them), written escaped by Jinja2
    with <br> between them: what linebreaksbr writes, without its cost."""
    pieces: list[tuple[Any, int]] = []
    for text, link in _link_pieces(body) if linkable else ((body, False),):
        if link:
            pieces.append((text, 1))
        elif "'" in text or '"' in text:
            pieces.append((text, 2))
        else:
            pieces.append((text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 0))
    return pieces


class ThreadEntry(NamedTuple):
    """An entry of includes/thread.html (attributes: Jinja2's fastest lookup)."""

    css: str
    internal: bool
    name: str
    summary: str
    machine: str
    person: str
    mark: Any  # desk/_sender_mark.html's row, or None
    body: str | None
    files: list[ThreadFile] | None
    # Whether urlize then linebreaksbr would give the body as Jinja2 escapes it: no
    # word urlize could link (_MIGHT_LINK), no line break to write as <br>, no quote
    # (Django escapes ' and " otherwise than Jinja2 does).
    plain: bool
    # Else, the body as the template writes it (_body_pieces).
    pieces: list[tuple[Any, int]] | None


def _entry(
    event: ThreadEvent,
    name: str,
    summary: str,
    body: str | None,
    files: list[ThreadFile] | None,
    mark: Any,
    language: str | None,
    zone: str,
) -> ThreadEntry:
    if event.internal:
        css = "internal-entry bg-warning-subtle"
    elif event.by_support:
        css = "from-support bg-white"
    else:
        css = "bg-white"
    machine, person = instant_in(event.created_at, language, zone)
    linkable = body is not None and _might_link(body)
    plain = (
        body is not None
        and not linkable
        and "\n" not in body
        and "\r" not in body
        and "'" not in body
        and '"' not in body
    )
    return ThreadEntry(
        css,
        event.internal,
        name,
        summary,
        machine,
        person,
        mark,
        body,
        files,
        plain,
        None if plain or body is None else _body_pieces(body, linkable),
    )


# --- The thread's markup, kept per process ---------------------------------------
# A thread's entries seldom change once written, and a ticket is read again and again:
# each entry's markup, as includes/thread.html writes it, is kept, keyed by everything
# that markup depends on, so that a page writes an entry the process has written
# already as it is, without urlize, linebreaksbr and some fifteen escapes.
# Safe because the key holds every value shown (the text itself, never a model nor an
# id standing for it: an edited or erased text, a renamed author, is another key),
# and what the page's words and links depend on: the language, the time zone, the
# script prefix and URL configuration, the ticket's number and the download view.
# Not kept where templates are read again when they change (DEBUG's auto_reload).
# Some twenty 50-message threads; texts longer than _MEMO_LONGEST are written each
# time, never kept: at worst some 30 MB (each text and its markup), a few MB in use.
_MEMO_SIZE = 1024
_MEMO_LONGEST = 8000


class _Memo:
    """A bounded map, the least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.kept: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        # Without the lock: each of the two is one step of the C OrderedDict (atomic
        # under the GIL); an entry put out between them is simply not moved.
        found = self.kept.get(key)
        if found is not None:
            try:  # noqa: SIM105 - contextlib.suppress costs a context manager per entry
                self.kept.move_to_end(key)
            except KeyError:
                pass
        return found

    def put(self, key: tuple, value: Any) -> None:
        with self.lock:
            self.kept[key] = value
            if len(self.kept) > self.size:
                self.kept.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()


_memo = _Memo(_MEMO_SIZE)


class ThreadItem(NamedTuple):
    """An entry of includes/thread.html: its markup kept (`kept`), or else the entry
    to write (`entry`) and the key to keep its markup under (None: not kept)."""

    kept: Any
    entry: ThreadEntry | None
    key: tuple | None


def _mark_key(mark: Any) -> tuple:
    # Every value desk/_sender_mark.html reads of its row (its label is the verdict's,
    # in the language of the key); the evidence as its JSON text, in its order. (No
    # mark: the caller keys None, without a call.)
    return (mark.pk, mark.verification, json.dumps(mark.evidence), bool(mark.raw_purged))


@pass_environment
def thread_entries(
    environment: Environment,
    thread: list[ThreadEvent],
    ticket: Ticket,
    opening_files: list[ThreadFile],
    marks,
    download: str,
) -> list[ThreadItem | tuple]:
    """Each entry of includes/thread.html, newest first: its markup when the process
    wrote the same entry already (see above), else its entry (`ThreadEntry`) and its
    key, for `thread_keep` to keep what the template writes of it. `marks`: the desk's
    verdict on who mailed a message (desk/_sender_mark.html's row), by message id, 0
    for the ticket's opening text."""
    marks = marks or {}
    support = _("Support")
    language, zone = get_language(), timezone.get_current_timezone_name()
    page = (language, zone, get_script_prefix(), get_urlconf(), ticket.number, download)
    keeps = not environment.auto_reload
    items: list[ThreadItem | tuple] = []
    body: str | None
    files: list[ThreadFile] | None
    for event in reversed(thread):
        # The entry's text, files and sender mark: the ticket's own for its creation,
        # a message's, or none. Written in, as `by_support` is in the key: this loop
        # runs for every entry of every view (a call here cost a 50-message thread
        # some 6 µs).
        if event.kind == EventKind.CREATED:
            body, files, mark = ticket.description, opening_files, marks.get(0)
        elif event.message_id is not None:
            body, files, mark = event.body, event.files, marks.get(event.message_id)
        else:
            body, files, mark = None, None, None
        name = event.actor_name or support
        summary = event_summary(event, language)
        key = None
        if keeps and (body is None or len(body) <= _MEMO_LONGEST):
            key = (
                page,
                event.internal,
                event.actor_role in STAFF_ROLES,
                name,
                summary,
                event.created_at,
                body,
                tuple(files) if files else (),
                None if mark is None else _mark_key(mark),
            )
            kept = _memo.get(key)
            if kept is not None:
                items.append((kept, None, None))  # a ThreadItem's values
                continue
        entry = _entry(event, name, summary, body, files, mark, language, zone)
        items.append(ThreadItem(None, entry, key))
    return items


def thread_keep(key: tuple | None, markup: Any) -> Any:
    """`markup`, what includes/thread.html wrote of the entry of `key`, kept under it."""
    if key is not None:
        _memo.put(key, markup)
    return markup
