"""The desk ticket page's fields take their labels, help texts and fixed choices from
a per-language memo (desk/ticket_page_forms.py): the same as read from the forms
each time, in each language, whatever the current value."""

from __future__ import annotations

import pytest
from django.forms.utils import pretty_name
from django.utils import translation

from ecmp.desk import ticket_page_forms as pages
from ecmp.desk.category_forms import TicketCategoryForm
from ecmp.desk.forms import AssignForm, CloseForm, ComposerForm, PriorityForm
from ecmp.tickets.status import Priority

FIELDS = [
    (form, name)
    for form in (ComposerForm, CloseForm, PriorityForm, AssignForm, TicketCategoryForm)
    for name in form.base_fields
]
CHOICES = {
    "kind": ComposerForm.base_fields["kind"].choices,
    "priority": Priority.choices,
}


def _read(form, name):
    field = form.base_fields[name]
    label = str(pretty_name(name) if field.label is None else field.label)
    return label, str(field.help_text or "")


@pytest.mark.parametrize("language", ["en", "fr", "en", "fr"])
def test_labels_and_help_texts_are_the_forms_in_each_language(language):
    with translation.override(language):
        for form, name in FIELDS:
            view = pages._plain(form, name, None)
            assert (view.label, view.help_text) == _read(form, name), (form, name)


@pytest.mark.parametrize("language", ["fr", "en", "fr"])
@pytest.mark.parametrize("current", [None, "", "reply", "note", 1, 2, 3, 4, "2", 99, "nothing"])
def test_fixed_choices_are_the_options_in_each_language(language, current):
    with translation.override(language):
        for key, choices in CHOICES.items():
            assert pages._fixed(key, current) == pages.options(choices, current), key


def test_the_words_differ_between_languages():
    with translation.override("en"):
        english = pages._fixed("priority", 2), pages._plain(PriorityForm, "reason", None).label
    with translation.override("fr"):
        french = pages._fixed("priority", 2), pages._plain(PriorityForm, "reason", None).label
    assert english[0] != french[0] and english[1] != french[1]


def test_the_channel_is_get_channel_display_in_each_language_alternating():
    from ecmp.tickets.models import Ticket
    from ecmp.tickets.presentation import channel_label
    from ecmp.tickets.status import Channel

    values = [*Channel.values, "not-a-channel", ""]
    seen = {}
    for language in ("en", "fr", "en", "fr"):  # the memo hit again, in the other language
        with translation.override(language):
            for value in values:
                shown = channel_label(value)
                assert shown == Ticket(channel=value).get_channel_display(), (language, value)
                assert type(shown) is str
                seen[language, value] = shown
    assert any(seen["en", v] != seen["fr", v] for v in Channel.values)
