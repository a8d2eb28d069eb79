"""Periodic work on tickets, as tasks for the worker."""

from __future__ import annotations

from django_tasks import task

from ecmp.tickets.services import tickets_archive_closed, tickets_check_sla


@task()
def archive_closed_tickets() -> int:
    return tickets_archive_closed()


@task()
def check_sla() -> int:
    return tickets_check_sla()
