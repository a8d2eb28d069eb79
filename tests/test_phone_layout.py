"""Issue 20 §2, the markup a phone needs (the browser test tests/browser/test_phone_size.py
measures the pages): the side menu folds behind a labelled button that opens it through
Bootstrap's data attributes (no inline script), a close button inside it, and a language
picker whose options read in full."""

import re
from html.parser import HTMLParser

import pytest

from tests.factories import make_ticket


class Elements(HTMLParser):
    """Every start tag's attributes, by id, and each element's text by id."""

    def __init__(self):
        super().__init__()
        self.by_id = {}
        self.tags = []
        self.text_of = {}
        self._open = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        attributes["<tag>"] = tag
        self.tags.append(attributes)
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes
            if tag not in ("input", "img", "br", "hr", "meta", "link"):
                self._open.append([attributes["id"], tag, 0])
                self.text_of[attributes["id"]] = ""
                return
        for entry in self._open:
            if entry[1] == tag:
                entry[2] += 1

    def handle_endtag(self, tag):
        for entry in reversed(self._open):
            if entry[1] == tag:
                if entry[2]:
                    entry[2] -= 1
                else:
                    self._open.remove(entry)
                break

    def handle_data(self, data):
        for entry in self._open:
            self.text_of[entry[0]] += data


def parsed(response):
    assert response.status_code == 200
    page = Elements()
    page.feed(response.content.decode())
    return page


@pytest.mark.parametrize(("persona", "path"), [("alice", "/portal/"), ("agnes", "/desk/")])
def test_the_side_menu_folds_behind_a_labelled_button(client_for, request, persona, path):
    page = parsed(client_for(request.getfixturevalue(persona)).get(path))
    button = page.by_id["app-menu-button"]
    assert button["<tag>"] == "button" and button["type"] == "button"
    assert button["data-bs-toggle"] == "offcanvas"
    assert button["data-bs-target"] == "#app-menu" and button["aria-controls"] == "app-menu"
    assert " ".join(page.text_of["app-menu-button"].split()) == "Menu"
    menu = page.by_id["app-menu"]
    assert menu["<tag>"] == "nav" and menu["aria-label"] == "Main menu"
    assert {"offcanvas-md", "offcanvas-start"} <= set(menu["class"].split())
    closers = [t for t in page.tags if t.get("data-bs-dismiss") == "offcanvas"]
    assert [(c["data-bs-target"], c["aria-label"]) for c in closers] == [
        ("#app-menu", "Close the menu")
    ]


def test_the_menu_speaks_french(client_for, alice):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    page = parsed(client_for(alice).get("/portal/"))
    assert page.by_id["app-menu"]["aria-label"] == "Menu principal"
    closer = next(t for t in page.tags if t.get("data-bs-dismiss") == "offcanvas")
    assert closer["aria-label"] == "Fermer le menu"


def test_the_language_picker_names_each_language_in_full(client_for, alice):
    content = client_for(alice).get("/portal/").content.decode()
    picker = re.search(r'<select[^>]*id="language-switch".*?</select>', content, re.S).group(0)
    options = re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>([^<]*)</option>', picker)
    assert options == [("en", "English"), ("fr", "Français")]


def test_pages_without_the_side_menu_have_no_menu_button(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"app-menu-button" not in response.content


def test_another_companys_ticket_is_not_found_on_a_phone_either(client_for, alice, carol):
    ticket = make_ticket(alice)
    response = client_for(carol).get(f"/portal/tickets/{ticket.number}/")
    assert response.status_code == 404
    assert ticket.subject.encode() not in response.content
