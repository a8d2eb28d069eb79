"""The request a signed-in page receives, as mypy should see it."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from ecmp.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request past login_required (or staff_required, admin_required…): Django
    types request.user as User | AnonymousUser, but behind those decorators it is
    always a User. Never instantiated; views only annotate with it."""

    user: User
    # Set by django_htmx's HtmxMiddleware on every request.
    htmx: HtmxDetails
