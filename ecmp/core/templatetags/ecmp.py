from django import forms, template
from django.utils.safestring import SafeString

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
    from django.utils.html import format_html_join

    current = "" if field.value() is None else str(field.value())
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) == current else "", label)
            for value, label in (
                ("" if choice is None else str(getattr(choice, "value", choice)), text)
                for choice, text in field.field.choices
            )
        ),
    )
