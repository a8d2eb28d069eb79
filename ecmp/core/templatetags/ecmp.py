from datetime import datetime
from functools import lru_cache

from django import forms, template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def widget(field: forms.BoundField) -> SafeString:
    """A form field's widget with Bootstrap's classes and its errors announced."""
    input_type = getattr(field.field.widget, "input_type", "")
    if isinstance(field.field.widget, forms.Select):
        css = "form-select"
    elif input_type == "checkbox":
        css = "form-check-input"
    else:
        css = "form-control"
    attrs = {"class": css + (" is-invalid" if field.errors else "")}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}-errors"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def options(field: forms.BoundField) -> SafeString:
    """A select's options in one pass of Python: a long list (every client) stays cheap."""
    current = "" if field.value() is None else str(field.value())
    html = []
    for choice, text in field.field.choices:
        value = "" if choice is None else str(getattr(choice, "value", choice))
        selected = " selected" if value == current else ""
        html.append(f'<option value="{escape(value)}"{selected}>{escape(text)}</option>')
    return mark_safe("".join(html))  # noqa: S308 - every value and label escaped above


# Lists and threads show dozens of dates and links per page, and Django's `date`
# filter and `{% url %}` cost tens of microseconds each. Both results depend only
# on their inputs and the request's language, time zone and script prefix, so
# they are memoized per process (bounded, so memory stays flat).


@lru_cache(maxsize=8192)
def _time_element(value: datetime, language: str, zone: str, css: str) -> SafeString:
    local = timezone.localtime(value)
    return format_html(
        '<time{} datetime="{}">{}</time>',
        format_html(' class="{}"', css) if css else "",
        dateformat.format(local, "c"),
        formats.date_format(local, "SHORT_DATETIME_FORMAT"),
    )


@register.simple_tag
def when(value: datetime | None, css: str = "") -> SafeString:
    """A `<time>` element: the instant for machines, the short local date for people."""
    if value is None:
        return mark_safe("")
    return _time_element(
        value, translation.get_language(), timezone.get_current_timezone_name(), css
    )


@lru_cache(maxsize=8192)
def _reverse(view: str, args: tuple, prefix: str, urlconf: str | None) -> str:
    return reverse(view, args=args, urlconf=urlconf)


@register.simple_tag
def link(view: str, *args) -> str:
    """`{% url %}` for the rows of long lists, memoized (see above)."""
    return _reverse(view, args, get_script_prefix(), get_urlconf())
