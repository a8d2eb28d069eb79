"""Issue 20, §3: image attachments shown as thumbnails that open the image, served
as safely as before (raster types only, inline only for them, nosniff, a CSP that
lets the image be drawn and nothing else); the raw original email for agents only."""

import pytest
from django.urls import reverse

from ecmp.tickets.models import Attachment
from ecmp.tickets.services import ticket_reply
from tests.factories import make_ticket, upload

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6364f8cf00000301010018dd8db00000000049454e44ae426082"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
RAW = b"From: Alice <alice@acme.test>\r\nTo: support@ecmp.test\r\nSubject: Re\r\n\r\nThanks\r\n"


def download_url(ticket, attachment, *, desk=False):
    name = "desk:attachment-download" if desk else "portal:attachment-download"
    return reverse(name, args=[ticket.number, attachment.pk])


def page_url(ticket, *, desk=False):
    return reverse("desk:ticket-detail" if desk else "portal:ticket-detail", args=[ticket.number])


@pytest.mark.parametrize("desk", (False, True))
def test_an_image_is_a_thumbnail_that_opens_the_image(client_for, alice, agnes, desk):
    ticket = make_ticket(alice, files=[upload("screen.png", PNG, "image/png")])
    image = ticket.attachments.get()
    client = client_for(agnes if desk else alice)
    html = client.get(page_url(ticket, desk=desk)).content.decode()
    url = download_url(ticket, image, desk=desk)
    assert f'<a href="{url}" class="d-inline-block"><img class="attachment-thumb' in html
    assert f'src="{url}" alt="screen.png"' in html
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Security-Policy"]
        == "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )


def test_svg_and_other_files_are_no_thumbnail_and_are_downloaded(client_for, alice):
    ticket = make_ticket(
        alice,
        files=[upload("logo.svg", SVG, "image/svg+xml"), upload("notes.txt", b"hi", "text/plain")],
    )
    client = client_for(alice)
    html = client.get(page_url(ticket)).content.decode()
    assert "attachment-thumb" not in html
    for attachment in ticket.attachments.all():
        response = client.get(download_url(ticket, attachment))
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_png_named_like_a_picture_but_not_one_is_no_thumbnail(client_for, alice):
    ticket = make_ticket(
        alice, files=[upload("fake.png", b"<html><script>x</script>", "image/png")]
    )
    html = client_for(alice).get(page_url(ticket)).content.decode()
    assert "attachment-thumb" not in html
    response = client_for(alice).get(download_url(ticket, ticket.attachments.get()))
    assert response["Content-Disposition"].startswith("attachment")


def test_another_organizations_image_is_not_found(client_for, alice, carol):
    ticket = make_ticket(alice, files=[upload("screen.png", PNG, "image/png")])
    image = ticket.attachments.get()
    client = client_for(carol)
    assert client.get(download_url(ticket, image)).status_code == 404
    assert client.get(page_url(ticket)).status_code == 404
    # Nor through one of her own tickets' numbers.
    own = make_ticket(carol)
    assert client.get(download_url(own, image)).status_code == 404


def emailed_reply_with_raw_original(alice):
    """An emailed reply as older versions stored it: the raw message attached."""
    ticket = make_ticket(alice)
    ticket_reply(
        ticket=ticket,
        author=alice,
        body="Thanks, it works again.",
        files=[upload("original-message.eml", RAW, "message/rfc822"), upload("log.txt", b"ok")],
    )
    return ticket, Attachment.objects.get(original_name="original-message.eml")


def test_the_raw_original_is_hidden_from_the_customer(client_for, alice):
    ticket, raw = emailed_reply_with_raw_original(alice)
    client = client_for(alice)
    html = client.get(page_url(ticket)).content.decode()
    assert "Thanks, it works again." in html
    assert "log.txt" in html
    assert "original-message.eml" not in html
    assert client.get(download_url(ticket, raw)).status_code == 404


def test_the_raw_original_stays_for_agents(client_for, alice, agnes):
    ticket, raw = emailed_reply_with_raw_original(alice)
    client = client_for(agnes)
    html = client.get(page_url(ticket, desk=True)).content.decode()
    assert "original-message.eml" in html
    response = client.get(download_url(ticket, raw, desk=True))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == RAW


def test_a_file_of_that_name_given_at_the_opening_is_the_customers_own(client_for, alice):
    # Only a message's attachment can be a raw original (the opening's files are
    # the customer's uploads, not a mail's).
    ticket = make_ticket(alice, files=[upload("original-message.eml", RAW, "message/rfc822")])
    response = client_for(alice).get(download_url(ticket, ticket.attachments.get()))
    assert response.status_code == 200
