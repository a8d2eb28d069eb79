"""The client page's people (desk/organization.html) as plain values computed once
per person: the person's row and the links of its buttons.

`{{ link(...) }}` reads the script prefix and the urlconf (context-local) at each
call; the page has up to eight links per person. Here they are read once for the
list, and each link comes from `link`'s memoized reverse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.urls import get_script_prefix, get_urlconf

from ecmp.accounts.organization_page_reads import PersonRow
from ecmp.core.presentation import link_in


class PersonCells(NamedTuple):
    """A person of the client's page and its buttons' links."""

    person: PersonRow
    phone_link: str  # the number without spaces, for `tel:`
    resend: str
    revoke: str
    edit: str
    role: str
    active: str
    two_factor_reset: str
    export: str
    erase: str


_VIEWS = (
    *("desk:invitation-resend", "desk:invitation-revoke", "desk:person-edit", "desk:user-role"),
    *("desk:user-active", "desk:two-factor-reset", "desk:person-export", "desk:person-erase"),
)


def people_cells(people: Iterable[PersonRow]) -> list[PersonCells]:
    """Each person of `people_of_organization` with its links."""
    prefix, urlconf = get_script_prefix(), get_urlconf()
    return [
        PersonCells(
            person,
            person.phone.replace(" ", ""),
            *(link_in(view, (person.pk,), prefix, urlconf) for view in _VIEWS),
        )
        for person in people
    ]
