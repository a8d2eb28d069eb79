"""The priority scale a ticket is answered by (pure, no database).

Here, below tickets, because the service levels are defined per priority and sla
may not import tickets; tickets/status.py offers it with the statuses.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.IntegerChoices):
    # Numbers order the priorities: sorting by priority puts Urgent first when descending.
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")
