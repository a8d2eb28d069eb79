"""The one file control (issue 20, §3): the drop zone's button opens the picker from
the keyboard, the chosen files are listed and one can be removed before sending;
a field's error message goes once the field is filled in."""

import re

from playwright.sync_api import expect

from ecmp.tickets.models import Ticket
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in
from tests.factories import OrganizationFactory, UserFactory


def test_a_customer_picks_two_files_removes_one_and_sends_one(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme")
    customer = UserFactory(email="alice@acme.test", full_name="Alice Martin", organization=acme)
    page = new_page()
    sign_in(page, stack.url, customer.email)
    page.goto(stack.url + "/portal/tickets/new/")

    # One control: the native input is out of sight, the drop zone's button takes its place.
    native = page.locator("#id_files")
    expect(native).to_have_attribute("name", "files")
    assert native.bounding_box()["width"] <= 1
    pick = page.get_by_role("button", name="Choose files")
    expect(pick).to_be_visible()

    # A field left empty: the server says so; filled in, the message goes.
    page.fill("#id_description", "Nothing prints since this morning.")
    page.click("main button:has-text('Ok')")
    expect(page.locator("#id_subject-errors")).to_be_visible()
    expect(page.locator("#id_subject")).to_have_class(re.compile("is-invalid"))
    page.fill("#id_subject", "Printer stuck")
    expect(page.locator("#id_subject-errors")).to_have_count(0)
    expect(page.locator("#id_subject")).not_to_have_class(re.compile("is-invalid"))

    # Keyboard: the button opens the file picker with Enter.
    # The locator's press focuses the button itself and waits for it to be ready.
    with page.expect_file_chooser() as chooser:
        pick.press("Enter")
    chooser.value.set_files(
        [
            {"name": "keep.txt", "mimeType": "text/plain", "buffer": b"the log to keep"},
            {"name": "drop.txt", "mimeType": "text/plain", "buffer": b"sent by mistake"},
        ]
    )
    chosen = page.locator("#id_files-chosen li")
    expect(chosen).to_have_count(2)
    page.get_by_role("button", name="Remove drop.txt").click()
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("keep.txt")
    assert page.evaluate("document.getElementById('id_files').files.length") == 1
    assert axe(page) == []

    page.click("main button:has-text('Ok')")
    page.wait_for_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert ticket.subject == "Printer stuck"
    assert [a.original_name for a in ticket.attachments.all()] == ["keep.txt"]
    assert ticket.attachments.get().file.read() == b"the log to keep"


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6364f8cf00000301010018dd8db00000000049454e44ae426082"
)


def test_an_image_attachment_is_a_thumbnail_that_opens_large(stack, new_page, axe):
    from tests.factories import make_ticket, upload

    acme = OrganizationFactory(name="Acme")
    customer = UserFactory(email="alice@acme.test", full_name="Alice Martin", organization=acme)
    ticket = make_ticket(customer, files=[upload("screen.png", PNG, "image/png")])
    page = new_page()
    sign_in(page, stack.url, customer.email)
    page.goto(f"{stack.url}/portal/tickets/{ticket.number}/")
    thumb = page.get_by_role("img", name="screen.png")
    expect(thumb).to_be_visible()
    page.wait_for_function("document.querySelector('img.attachment-thumb').complete")
    assert page.evaluate("document.querySelector('img.attachment-thumb').naturalWidth") == 1
    assert axe(page) == []
    with page.expect_response(re.compile(r"/files/\d+/$")) as shown:
        thumb.click()
    response = shown.value
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["x-content-type-options"] == "nosniff"
