"""An invoice's sending and payments (admins): send it, record or delete a payment,
import a bank statement."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.payment_models import Payment
from ecmp.billing.payments import payment_delete, payment_record, statement_import
from ecmp.billing.selectors import invoice_for
from ecmp.billing.sending import invoice_send
from ecmp.billing.statements import MAX_LINES
from ecmp.core.access import admin_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.payment_forms import PaymentForm, StatementForm


def _form_errors(form: PaymentForm) -> str:
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


@admin_required
@require_POST
def invoice_send_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_for(request.user, pk)
    try:
        dispatch = invoice_send(by=request.user, invoice=invoice)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(
            request,
            _("%(number)s is sent to %(to)s.")
            % {"number": invoice.number, "to": ", ".join(dispatch.to)},
        )
    return redirect("desk:invoice", pk=pk)


@admin_required
@require_POST
def payment_add_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_for(request.user, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("desk:invoice", pk=pk)
    try:
        payment_record(by=request.user, invoice=invoice, **form.cleaned_data)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The payment is recorded."))
    return redirect("desk:invoice", pk=pk)


@admin_required
@require_POST
def payment_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=pk)
    try:
        payment_delete(by=request.user, payment=payment)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The payment is deleted."))
    return redirect("desk:invoice", pk=payment.invoice_id)


@admin_required
@require_http_methods(["GET", "POST"])
def statement_import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StatementForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = statement_import(by=request.user, csv_text=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
    status = 400 if request.method == "POST" and result is None else 200
    context = {"nav": "billing", "form": form, "result": result, "max_lines": MAX_LINES}
    return render(request, "desk/statement_import.html", context, status=status)
