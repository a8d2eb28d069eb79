from datetime import datetime
from functools import lru_cache

from django import forms, template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


@register.simple_tag
def widget(field: forms.BoundField) -> SafeString:
    """A form field's widget with Bootstrap's classes and its errors announced; a
    hidden field as `{{ field }}` writes it."""
    if field.is_hidden:
        if field.field.show_hidden_initial:
            return str(field)  # with its second, "initial-" input
        fast = _plain_widget(field, {})
        return fast if fast is not None else field.as_widget()
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
    fast = _plain_widget(field, attrs)
    return fast if fast is not None else field.as_widget(attrs=attrs)


# Text inputs, check boxes, text areas and single selects, written here rather than through
# Django's widget templates: the same HTML (tests/test_widgets.py compares both) at
# a tenth of the cost, which counts on the desk's ticket page and its dozen fields.
PLAIN_INPUTS = (
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.Textarea,
    forms.Select,
    forms.CheckboxInput,
)


def _plain_widget(field: forms.BoundField, attrs: dict) -> SafeString | None:
    widget = field.field.widget
    if type(widget) not in PLAIN_INPUTS or field.field.localize:
        return None
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    html_attrs = _attributes(context["attrs"])
    name, value = conditional_escape(context["name"]), context["value"]
    if isinstance(widget, forms.Select):
        return mark_safe(f'<select name="{name}"{html_attrs}>{_optgroups(context)}\n</select>')  # noqa: S308
    if isinstance(widget, forms.Textarea):
        text = conditional_escape(value) if value else ""
        return mark_safe(f'<textarea name="{name}"{html_attrs}>\n{text}</textarea>')  # noqa: S308
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return mark_safe(f'<input type="{context["type"]}" name="{name}"{shown}{html_attrs}>')  # noqa: S308


def _formatted(value: object) -> str:
    """Django's `{{ value|stringformat:'s' }}`: text escaped, unless already marked safe."""
    return value if isinstance(value, SafeData) else escape(f"{value}")


def _attributes(attrs: dict) -> str:
    """Django's attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _optgroups(context: dict) -> str:
    """Django's select.html between the tags (each option followed by an empty line,
    the end of its template file)."""
    html = []
    for group_name, group_choices, _index in context["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            value, attrs = _formatted(option["value"]), _attributes(option["attrs"])
            label = conditional_escape(option["label"])
            html.append(f'\n  <option value="{value}"{attrs}>{label}</option>\n')
        if group_name:
            html.append("\n  </optgroup>")
    return "".join(html)


@register.simple_tag
def options(field: forms.BoundField, choices=None) -> SafeString:
    """A select's options in one pass of Python: a long list (every client) stays cheap.

    `choices` (value, label) pairs, when the field is not a ChoiceField."""
    current = "" if field.value() is None else str(field.value())
    html = []
    for choice, text in field.field.choices if choices is None else choices:
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
