"""API token pages: a person's own tokens (from My account) and the admins' list of all.

Writes go through ecmp/api/tokens.py. A new token's secret is shown once, in the
answer to the POST that made it (never kept in the session or a message)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.api import tokens
from ecmp.api.models import ApiToken
from ecmp.core.access import admin_required
from ecmp.core.refusals import refusal_to_messages


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=tokens.NAME_MAX)
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"), choices=ApiToken.Scope.choices, initial="read"
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        min_value=1,
        initial=90,
        required=False,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.ECMP_API_TOKEN_MAX_DAYS
        field = self.fields["expires_in_days"]
        assert isinstance(field, forms.IntegerField)  # declared above
        field.max_value = limit
        field.widget.attrs["max"] = limit


def _verified(request: AuthenticatedHttpRequest) -> bool:
    # django-otp's OTPMiddleware marks a session that passed the second factor.
    return bool(request.user.is_verified())  # type: ignore[attr-defined]  # added by OTPMiddleware


def _page(
    request: AuthenticatedHttpRequest, form: TokenForm, secret: str = "", status: int = 200
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens.api_tokens_of(user),
            "secret": secret,
            "needs_second_factor": user.is_support_staff and not _verified(request),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        token, secret = tokens.api_token_create(
            by=request.user,
            second_factor_verified=_verified(request),
            **form.cleaned_data,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, form, status=422)
    messages.success(request, _("The token “%(name)s” is created.") % {"name": token.name})
    return _page(request, TokenForm(), secret=secret)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.api_token_for(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    try:
        tokens.api_token_revoke(by=request.user, token=token)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    if request.POST.get("back") == "all" and request.user.is_staff:
        return redirect("api-tokens:all")
    return redirect("api-tokens:list")


@admin_required
@require_GET
def token_list_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(
        tokens.api_tokens_for_admin(request.user), settings.ECMP_LIST_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "api/tokens_all.html",
        {"nav": "api-tokens", "page": page, "tokens": page.object_list},
    )
