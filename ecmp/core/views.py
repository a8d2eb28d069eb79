"""The public landing page, the health check and the error pages."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "core/landing.html")


# A task waiting longer than this means no worker is running.
QUEUE_STALE_SECONDS = 300


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For a load balancer or a monitor: the database answers, and the queue moves."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"database": "down"}, status=503)
    if settings.ECMP_TASKS_BACKEND == "redis":
        return _redis_health()
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    waiting = (timezone.now() - oldest).total_seconds() if oldest else 0
    queue = "ok" if waiting < QUEUE_STALE_SECONDS else "stalled"
    status = 200 if queue == "ok" else 503
    return JsonResponse(
        {"database": "ok", "queue": queue, "oldest_task_seconds": int(waiting)}, status=status
    )


def _redis_health() -> HttpResponse:
    import django_rq

    try:
        django_rq.get_queue("default").connection.ping()
    except Exception:
        return JsonResponse({"database": "ok", "queue": "down"}, status=503)
    return JsonResponse({"database": "ok", "queue": "ok"})


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: the error may come from what it carries.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
