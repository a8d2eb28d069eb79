from django.contrib import admin

from ecmp.mail.models import InboundEmail, OutboundEmail


class ReadOnly(admin.ModelAdmin):
    """Mail is looked at here and acted on from the desk (Mail, Outbox)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnly):
    list_display = ["created_at", "kind", "subject", "status", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "message_id"]


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnly):
    list_display = ["received_at", "sender", "subject", "status", "outcome"]
    list_filter = ["status", "outcome", "source"]
    search_fields = ["sender", "subject", "message_id"]
    exclude = ["raw"]
