"""Download my data: every signed-in person's copy of their own data."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.views.decorators.http import require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.privacy.downloads import personal_data_response


@login_required
@require_POST
def my_data_download(request: AuthenticatedHttpRequest) -> FileResponse:
    return personal_data_response(user=request.user, by=request.user)
