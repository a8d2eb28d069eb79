"""A person's data as a download, for the person (portal) and for admins (desk)."""

from __future__ import annotations

from django.http import FileResponse

from ecmp.accounts.models import User
from ecmp.core.downloads import file_response
from ecmp.privacy.export import personal_data_export


def personal_data_response(*, user: User, by: User) -> FileResponse:
    """The ZIP as a download that no cache keeps."""
    response = file_response(
        personal_data_export(user=user, by=by),
        f"personal-data-{user.pk}.zip",
        "application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response
