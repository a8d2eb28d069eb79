"""The thread's entries (the thread_entries tag) are the markup of the template loop
they replaced: the same HTML, tags and text, whitespace aside."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines

from ecmp.tickets import services
from ecmp.tickets.models import Ticket, TicketEvent
from ecmp.tickets.selectors import (
    ticket_opening_attachments,
    ticket_thread_for_customer,
    ticket_thread_for_staff,
)
from ecmp.tickets.status import Priority, Status
from tests.factories import make_ticket

# The loop as it was written in includes/thread.html.
FORMER_LOOP = """{% load i18n tickets ecmp partials %}{% partialdef files %}<ul class="list-inline small mt-2 mb-0">
{% for file in files %}<li class="list-inline-item"><a href="{% url download ticket.number file.pk %}"><i class="bi bi-paperclip" aria-hidden="true"></i> {{ file.original_name }}</a> <span class="text-body-secondary">({{ file.size|filesizeformat }})</span></li>{% endfor %}
</ul>{% endpartialdef %}
<ol class="list-unstyled" id="thread">
{% for event in thread reversed %}{% with actor=event.actor message=event.message %}
  <li class="thread-entry {% if event.internal %}internal-entry bg-warning-subtle{% elif actor.is_support_staff %}from-support bg-white{% else %}bg-white{% endif %} mb-2 p-3">
    <div class="small">{% if event.internal %}<i class="bi bi-lock-fill" aria-hidden="true"></i> <span class="badge text-bg-warning">{% translate "Internal" %}</span> {% endif %}<strong>{{ actor.full_name|default:_("Support") }}</strong> | {{ event|event_summary }}
      {% when event.created_at "text-body-secondary ms-2" %}</div>
    {% if event.kind == "created" %}
      <div class="thread-body mt-2">{{ ticket.description|urlize|linebreaksbr }}</div>
      {% if opening_files %}{% with files=opening_files %}{% partial files %}{% endwith %}{% endif %}
    {% elif message %}
      <div class="thread-body mt-2">{{ message.body|urlize|linebreaksbr }}</div>
      {% if message.files %}{% with files=message.files %}{% partial files %}{% endwith %}{% endif %}
    {% endif %}
  </li>
{% endwith %}{% endfor %}
</ol>
"""


def normalized(html: str) -> str:
    return re.sub(r">\s+<", "><", " ".join(html.split()))


def both(thread, ticket, files, download):
    context = {"thread": thread, "ticket": ticket, "opening_files": files, "download": download}
    new = engines["django"].get_template("includes/thread.html").render(context)
    old = engines["django"].from_string(FORMER_LOOP).render(context)
    return normalized(new), normalized(old)


def test_every_kind_of_entry_renders_as_before(alice, agnes, media_root):
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
    services.ticket_reply(ticket=ticket, author=alice, body="Thanks\n\nIt works")
    services.ticket_set_priority(ticket=ticket, actor=agnes, priority=Priority.HIGH, reason="VIP")
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED, note="Done")
    TicketEvent.objects.filter(ticket=ticket, kind="status").update(actor=None)
    ticket = Ticket.objects.get(pk=ticket.pk)
    files = ticket_opening_attachments(ticket)
    for thread, download in (
        (ticket_thread_for_staff(ticket), "desk:attachment-download"),
        (ticket_thread_for_customer(ticket), "portal:attachment-download"),
    ):
        new, old = both(thread, ticket, files, download)
        assert new == old
        assert "first &lt;1&gt;.png" in new and "&lt;Alice&gt;" in new
    customer_view = both(
        ticket_thread_for_customer(ticket), ticket, files, "portal:attachment-download"
    )
    assert "Secret" not in customer_view[0] and "note.png" not in customer_view[0]


def test_an_empty_thread(alice):
    ticket = make_ticket(alice)
    new, old = both([], ticket, [], "portal:attachment-download")
    assert new == old
