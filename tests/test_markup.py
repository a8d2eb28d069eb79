"""What the templates of form fields, the thread and the queue guarantee: hostile
text escaped, errors announced to assistive technology, internal notes kept from
customers. (Their markup is Jinja2 templates: no Python writes it.)"""

from datetime import timedelta

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Paginator
from django.template import engines
from django.utils import timezone
from jinja2_fragments import render_block

from ecmp.accounts.models import Organization
from ecmp.core.presentation import widget
from ecmp.desk.forms import CloseForm
from ecmp.tickets import services
from ecmp.tickets.models import Ticket, TicketEvent
from ecmp.tickets.queue_reads import queue_page_rows
from ecmp.tickets.status import Channel, Priority, Status
from ecmp.tickets.thread_reads import thread_with_files
from tests.factories import make_ticket

HOSTILE = "<script>alert('x')</script> & \"quotes\""


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


class EveryKind(forms.Form):
    text = forms.CharField(max_length=20)
    choice = forms.ChoiceField(choices=[("a", HOSTILE), ("b", "B")])
    ticked = forms.BooleanField()
    body = forms.CharField(widget=forms.Textarea)


def test_widgets_take_bootstraps_classes_and_escape_values():
    form = EveryKind(initial={"text": HOSTILE, "body": HOSTILE})
    assert 'class="form-control"' in widget(form["text"])
    assert 'class="form-select"' in widget(form["choice"])
    assert 'class="form-check-input"' in widget(form["ticked"])
    for name in ("text", "choice", "body"):
        html = widget(form[name])
        assert "<script>" not in html and "&lt;script&gt;" in html, name
        assert "aria-invalid" not in html


def test_an_invalid_field_is_announced():
    form = EveryKind({"text": "x" * 30, "choice": "?", "body": ""})
    assert not form.is_valid()
    for name in ("text", "choice", "ticked", "body"):
        html = widget(form[name])
        assert "is-invalid" in html and 'aria-invalid="true"' in html, name
        assert f'aria-describedby="id_{name}-errors"' in html, name
    page = render('{% include "includes/form_fields.html" %}', form=form)
    assert 'id="id_text-errors"' in page and 'id="id_ticked-errors"' in page


def test_a_hidden_field_is_written_as_django_writes_it(db):
    form = CloseForm({"version": HOSTILE}, initial={"version": 3})
    form.is_valid()
    assert widget(form["version"]) == str(form["version"])
    assert "class" not in widget(form["version"])


def test_options_escape_labels_and_select_the_current_value():
    form = EveryKind(initial={"choice": "b"})
    html = render(
        '{% import "includes/ui.html" as ui %}{{ ui.options(choices_of(field)) }}',
        field=form["choice"],
    )
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert '<option value="b" selected>B</option>' in html


def test_the_thread_escapes_text_and_keeps_internal_notes_from_customers(alice, agnes, media_root):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    ticket = services.ticket_create(
        requester=alice,
        subject="Printer <b>on fire</b>",
        description="See https://example.test/a?b=1&c=2\nLine <two> & 'three'",
        files=[SimpleUploadedFile("first <1>.png", png, "image/png")],
    )
    services.ticket_accept(ticket=ticket, actor=agnes)
    services.ticket_reply(
        ticket=ticket,
        author=agnes,
        body="Secret\nnote",
        internal=True,
        files=[SimpleUploadedFile("note.png", png, "image/png")],
    )
    services.ticket_reply(ticket=ticket, author=agnes, body="Hello <Alice>, try www.example.test")
    services.ticket_set_priority(ticket=ticket, actor=agnes, priority=Priority.HIGH, reason="VIP")
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED, note="Done")
    TicketEvent.objects.filter(ticket=ticket, kind="status").update(actor=None)
    ticket = Ticket.objects.get(pk=ticket.pk)

    def thread(staff, download):
        entries, opening_files = thread_with_files(ticket, staff=staff)
        return render(
            '{% include "includes/thread.html" %}',
            thread=entries,
            ticket=ticket,
            opening_files=opening_files,
            download=download,
        )

    desk = thread(True, "desk:attachment-download")
    assert "first &lt;1&gt;.png" in desk and "&lt;Alice&gt;" in desk
    assert "c=2</a><br>Line &lt;two&gt; &amp; &#x27;three&#x27;</div>" in desk
    assert '<a href="http://www.example.test"' in desk
    assert "internal-entry" in desk and "Secret<br>note" in desk and "note.png" in desk
    assert "<strong>Support</strong>" in desk  # the transition without an actor
    assert "<time " in desk
    customer = thread(False, "portal:attachment-download")
    assert "first &lt;1&gt;.png" in customer
    assert "Secret" not in customer and "note.png" not in customer
    assert "internal-entry" not in customer


def test_an_empty_thread(alice):
    ticket = make_ticket(alice)
    html = render('{% include "includes/thread.html" %}', thread=[], ticket=ticket)
    assert 'id="thread"' in html and "thread-entry" not in html


def test_the_queue_rows_escape_text_and_mark_late_and_mailed_tickets(alice, carol, agnes):
    Organization.objects.filter(pk=alice.organization_id).update(name="Acme <&> 'Co'")
    make_ticket(alice, subject="Plain <script>x</script>")
    by_mail = make_ticket(carol, subject="By mail", channel=Channel.EMAIL)
    services.ticket_accept(ticket=by_mail, actor=agnes)
    make_ticket(carol, subject="By phone", channel=Channel.PHONE)
    late = make_ticket(alice, subject="Late one")
    Ticket.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=3))
    none = make_ticket(alice, subject="No deadline")
    Ticket.objects.filter(pk=none.pk).update(sla_due_at=None)
    tickets = queue_page_rows(agnes, {"queue": "open", "sort": "due"}, offset=0, size=25)
    # The list alone, as htmx asks.
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    page = Paginator(tickets, 25).page(1)
    html = render_block(env, "desk/queue.html", "list", page=page, now=timezone.now())
    assert "Plain &lt;script&gt;" in html and "<script>x" not in html
    assert "Acme &lt;&amp;&gt; &#39;Co&#39;" in html
    assert html.count('class="table-danger"') == 1 and "overdue by" in html
    assert html.count("bi-envelope") == 1
    assert 'class="bi bi-telephone text-body-secondary" role="img" title="Phone"' in html
    assert html.count('role="img"') == 2  # the web tickets show no channel
    assert '<span class="text-body-secondary">—</span>' in html
