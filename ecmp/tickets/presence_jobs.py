"""The periodic removal of old presence rows (registered in `TicketsConfig.ready()`)."""

from __future__ import annotations

from django_tasks import task

from ecmp.tickets.services.presence import presences_expire


@task()
def expire_presences() -> int:
    return presences_expire()
