"""An activity type's name in the reader's language.

Activity types are data (billing.ActivityType.name, one name for every language);
the four seeded by `billing/defaults.py` are translated here at display, any other
name is shown as the admin typed it. A name per language on the model would be the
lasting fix (it needs a billing migration).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

DEFAULT_NAMES: dict[str, Promise] = {
    "Support": pgettext_lazy("activity type", "Support"),
    "On-site": pgettext_lazy("activity type", "On-site"),
    "Project": pgettext_lazy("activity type", "Project"),
    "Internal": pgettext_lazy("activity type", "Internal"),
}


def activity_label(name: object) -> str:
    """The seeded defaults in the active language, other names as typed."""
    text = str(name or "")
    translated = DEFAULT_NAMES.get(text)
    return str(translated) if translated is not None else text
