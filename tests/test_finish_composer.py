"""Issue 20, §3: every composer has one file control; without JavaScript it is the
native input (the drop zone, which needs a script, starts hidden)."""

import re

import pytest
from django.urls import reverse

from ecmp.tickets.models import Ticket
from tests.factories import make_ticket

CONTROL = re.compile(
    r'<div class="file-drop" data-file-drop>.*?<input type="file" name="files" id="id_files"'
    r'.*?<div class="drop-zone small" data-drop-zone hidden>.*?'
    r'<button type="button" class="btn btn-sm btn-outline-primary ms-1" data-pick-files',
    re.S,
)


@pytest.mark.parametrize("page", ("portal-new", "portal-ticket", "desk-new", "desk-ticket"))
def test_each_composer_has_one_file_control(client_for, alice, agnes, page):
    ticket = make_ticket(alice)
    url, user = {
        "portal-new": (reverse("portal:ticket-new"), alice),
        "portal-ticket": (reverse("portal:ticket-detail", args=[ticket.number]), alice),
        "desk-new": (reverse("desk:ticket-new"), agnes),
        "desk-ticket": (reverse("desk:ticket-detail", args=[ticket.number]), agnes),
    }[page]
    html = client_for(user).get(url).content.decode()
    assert len(CONTROL.findall(html)) == 1
    assert html.count('type="file"') == 1
    assert "Drop to add files or click here." in html


def test_a_file_error_is_tied_to_the_control(client_for, alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    evil = SimpleUploadedFile("run.exe", b"MZ\x90\x00program", "application/octet-stream")
    response = client_for(alice).post(
        reverse("portal:ticket-new"),
        {"subject": "Printer", "description": "Stuck", "priority": "2", "files": [evil]},
    )
    html = response.content.decode()
    assert 'aria-describedby="id_files-errors"' in html
    assert 'id="id_files-errors"' in html
    assert "is-invalid" in html
    assert not Ticket.objects.exists()
