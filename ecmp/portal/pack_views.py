"""A team manager's view of their company's prepaid hours: the balance and where the
hours went, ticket by ticket (only the tickets they may see)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.packs import pack_report_for_manager
from ecmp.core.access import team_manager_required


@team_manager_required
@require_GET
def hour_packs(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "nav": "invoices",
        "report": pack_report_for_manager(request.user, today=today),
        "today": today,
    }
    return render(request, "portal/hour_packs.html", context)
