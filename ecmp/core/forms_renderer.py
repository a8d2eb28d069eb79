"""How form widgets are written.

Django's Jinja2 widget templates write the same markup as its template-language
ones in about half the time (docs/performance.md). Widgets that ship only a
template-language template (the Django admin's, auth's password hash) are written
by Django's template engine."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template.exceptions import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self) -> None:
        self.jinja2, self.django = Jinja2(), DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
