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
