"""A client's team manager reads their own organization's contract: service level,
business hours, payment terms, billing contacts (not its rates, not another's)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import team_manager_required
from ecmp.sla.contract_selectors import contract_for_manager
from ecmp.sla.contract_summary import contract_summary


@team_manager_required
@require_GET
def contract(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """The version in force today, or one of the organization's versions by number."""
    found = contract_for_manager(request.user, timezone.localdate(), pk)
    context = {"nav": "invoices", "summary": contract_summary(found) if found else None}
    return render(request, "portal/contract.html", context)
