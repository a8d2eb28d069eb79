"""The public landing page, the health check and the error pages."""

from __future__ import annotations

from ipaddress import ip_address

import django_rq
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "core/landing.html")


# A task waiting longer than this means no worker is running.
QUEUE_STALE_SECONDS = 300
# Set by a reverse proxy on what it forwards (nginx: X-Forwarded-For or X-Real-IP).
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For a load balancer or a monitor: the database answers, and the queue moves.

    Anyone gets ok / not ok; the details (how long the oldest task has waited,
    which part is down) only a signed-in agent or admin, or a monitor on this
    machine: they tell an outsider how busy or broken the service is.
    """
    details = _health_details()
    healthy = details["database"] == "ok" and details["queue"] == "ok"
    status = 200 if healthy else 503
    if _may_see_health_details(request):
        return JsonResponse(details, status=status)
    return JsonResponse({"status": "ok" if healthy else "not ok"}, status=status)


def _may_see_health_details(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_support_staff:
        return True
    # A monitor on this machine, by REMOTE_ADDR (a header anyone can write proves
    # nothing). Behind the documented proxy every request comes from 127.0.0.1:
    # what came through it carries its forwarding header, and is not local.
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        return ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _health_details() -> dict[str, str | int]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return {"database": "down", "queue": "unknown"}
    if settings.ECMP_TASKS_BACKEND == "redis":
        return {"database": "ok", "queue": _redis_queue_state()}
    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    waiting = (timezone.now() - oldest).total_seconds() if oldest else 0
    queue = "ok" if waiting < QUEUE_STALE_SECONDS else "stalled"
    return {"database": "ok", "queue": queue, "oldest_task_seconds": int(waiting)}


def _redis_queue_state() -> str:
    try:
        django_rq.get_queue("default").connection.ping()
    except Exception:
        return "down"
    return "ok"


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: the error may come from what it carries.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
