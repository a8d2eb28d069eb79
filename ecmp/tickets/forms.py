"""Forms for opening a ticket and writing on it: they validate, the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import User
from ecmp.tickets.attachments import validate_uploads
from ecmp.tickets.category_selectors import categories_active
from ecmp.tickets.models import Category
from ecmp.tickets.services import SUBJECT_MAX
from ecmp.tickets.status import Priority


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files, checked together against the size and type rules."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        validate_uploads(cleaned)
        return cleaned


class CategoryChoiceField(forms.ModelChoiceField):
    """An active category (optional), named in the reader's language."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Category"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", "—")
        super().__init__(queryset=categories_active(), **kwargs)

    def label_from_instance(self, obj: Category) -> str:
        return obj.label()


class NewTicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The fullest possible explanation of the problem."),
        max_length=100_000,
    )
    # A form field: the form metaclass moves it to base_fields, so self.files stays the uploads.
    files = MultipleFileField(label=_("Attach File"))  # type: ignore[assignment]  # see above
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
    )
    related = forms.IntegerField(required=False, widget=forms.HiddenInput)
    category = CategoryChoiceField()

    def __init__(self, *args: Any, requester: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = requester.organization
        self.priority_locked = bool(organization and organization.priority_locked)
        if self.priority_locked:
            field = self.fields["priority"]
            field.disabled = True
            field.initial = Priority.NORMAL
            field.help_text = _(
                "Your company's tickets all have Normal priority. "
                "The support team can still raise it when needed."
            )

    def clean_subject(self) -> str:
        subject = " ".join(self.cleaned_data["subject"].replace("\x00", "").split())
        if not subject:
            raise ValidationError(_("This field is required."), code="required")
        return subject

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].replace("\x00", "").strip()
        if not description:
            raise ValidationError(_("This field is required."), code="required")
        return description


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Add additional information to this ticket"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=100_000,
    )
    # A form field: the form metaclass moves it to base_fields, so self.files stays the uploads.
    files = MultipleFileField(label=_("Attach File"))  # type: ignore[assignment]  # see above

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\x00", "").strip()
        if not body:
            raise ValidationError(_("This field is required."), code="required")
        return body
