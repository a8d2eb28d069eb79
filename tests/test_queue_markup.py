"""The desk queue's rows (the queue_rows tag) are the markup of the template loop
they replaced: the same HTML, tags and text, whitespace aside."""

from datetime import timedelta

from django.template import engines
from django.utils import timezone

from ecmp.accounts.models import Organization
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import ticket_list_for_desk
from ecmp.tickets.status import Channel, Status
from tests.factories import make_ticket
from tests.test_thread_markup import normalized

FORMER_LOOP = """{% load i18n tickets ecmp %}
  {% for t in page.object_list %}
    <tr {% if t.sla_due_at and t.sla_due_at < now %}class="table-danger"{% endif %}>
      {% link 'desk:ticket-detail' t.number as url %}<td><a href="{{ url }}">{{ t.number }}</a>{% if t.channel == "email" %} <i class="bi bi-envelope text-body-secondary" title="{% translate 'Email' %}"></i>{% endif %}</td>
      <td class="subject"><a class="text-body" href="{{ url }}">{{ t.subject }}</a><div class="small text-body-secondary">{{ t.requester.full_name }}</div></td>
      <td>{{ t.organization.name }}</td>
      <td>{% status_badge t.status %}</td>
      <td>{% priority_badge t.priority %}</td>
      <td>{{ t.assignee.full_name|default:"—" }}</td>
      <td>{% sla_badge t %}</td>
      <td>{% when t.last_activity_at %}</td>
    </tr>
  {% endfor %}
"""
NEW = "{% load tickets %}{% queue_rows tickets now %}"


def test_every_kind_of_row_renders_as_before(alice, carol, agnes):
    Organization.objects.filter(pk=alice.organization_id).update(name="Acme <&> 'Co'")
    make_ticket(alice, subject="Plain <script>x</script>")
    by_mail = make_ticket(carol, subject="By mail", channel=Channel.EMAIL)
    services.ticket_accept(ticket=by_mail, actor=agnes)
    late = make_ticket(alice, subject="Late one")
    Ticket.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=3))
    soon = make_ticket(alice, subject="Soon")
    Ticket.objects.filter(pk=soon.pk).update(sla_due_at=timezone.now() + timedelta(minutes=20))
    none = make_ticket(alice, subject="No deadline")
    Ticket.objects.filter(pk=none.pk).update(sla_due_at=None)
    services.ticket_transition(ticket=by_mail, actor=agnes, status=Status.WAIT)
    tickets = list(ticket_list_for_desk(agnes, queue="open"))
    assert len(tickets) == 5
    context = {"tickets": tickets, "page": {"object_list": tickets}, "now": timezone.now()}
    django = engines["django"]
    new = normalized(django.from_string(NEW).render(context))
    old = normalized(django.from_string(FORMER_LOOP).render(context))
    assert new == old
    assert "Plain &lt;script&gt;" in new and "table-danger" in new and "bi-envelope" in new
