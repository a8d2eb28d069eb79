from django.urls import path, re_path

from ecmp.desk import billing_views, client_views, mail_views, sla_views, ticket_views, views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    # Tickets
    path("tickets/", ticket_views.queue, name="queue"),
    path("tickets/jump/", ticket_views.jump, name="jump"),
    path("tickets/<int:number>/", ticket_views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:number>/reply/", ticket_views.ticket_reply, name="ticket-reply"),
    path("tickets/<int:number>/close/", ticket_views.ticket_close, name="ticket-close"),
    path("tickets/<int:number>/assign/", ticket_views.ticket_assign, name="ticket-assign"),
    path("tickets/<int:number>/priority/", ticket_views.ticket_priority, name="ticket-priority"),
    path(
        "tickets/<int:number>/do/<slug:action>/", ticket_views.ticket_action, name="ticket-action"
    ),
    path(
        "tickets/<int:number>/files/<int:attachment_id>/",
        ticket_views.attachment_download,
        name="attachment-download",
    ),
    # Clients
    path("clients/", client_views.organization_list, name="organizations"),
    path("clients/new/", client_views.organization_new, name="organization-new"),
    path("clients/<int:pk>/", client_views.organization_detail, name="organization"),
    path(
        "clients/<int:pk>/priority-lock/",
        client_views.organization_priority_lock,
        name="organization-priority-lock",
    ),
    path("clients/<int:pk>/active/", client_views.organization_active, name="organization-active"),
    path("people/<int:user_id>/active/", client_views.user_active, name="user-active"),
    path("people/<int:user_id>/role/", client_views.user_role, name="user-role"),
    path(
        "people/<int:user_id>/invitation/revoke/",
        client_views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("users/invite/", views.invite, name="invite"),
    path("users/<int:user_id>/invitation/", views.invitation_resend, name="invitation-resend"),
    path("registration-requests/", views.registration_requests, name="registration-requests"),
    path(
        "registration-requests/<int:pk>/approve/",
        views.registration_request_approve,
        name="registration-request-approve",
    ),
    path(
        "registration-requests/<int:pk>/decline/",
        views.registration_request_decline,
        name="registration-request-decline",
    ),
    # Time and billing
    path("tickets/<int:number>/time/", billing_views.time_add, name="time-add"),
    path("time/<int:pk>/", billing_views.time_edit, name="time-edit"),
    path("time/<int:pk>/delete/", billing_views.time_delete, name="time-delete"),
    path("billing/", billing_views.billing_home, name="billing"),
    path("billing/draft/", billing_views.invoice_draft_view, name="invoice-draft"),
    path("billing/issue/", billing_views.invoice_issue, name="invoice-issue"),
    path("billing/invoices/<int:pk>/", billing_views.invoice_detail, name="invoice"),
    path("billing/invoices/<int:pk>/cancel/", billing_views.invoice_cancel, name="invoice-cancel"),
    re_path(
        r"^billing/invoices/(?P<pk>\d+)/(?P<kind>pdf|csv)/$",
        billing_views.invoice_file,
        name="invoice-file",
    ),
    path("billing/reports/", billing_views.reports, name="reports"),
    path("clients/<int:pk>/billing/", billing_views.billing_profile_save, name="billing-profile"),
    # Mail
    path("mail/", mail_views.inbox, name="mail"),
    path("mail/in/<int:pk>/", mail_views.inbound_detail, name="mail-inbound"),
    path("mail/in/<int:pk>/ticket/", mail_views.held_create_ticket, name="mail-held-ticket"),
    path("mail/in/<int:pk>/attach/", mail_views.held_attach, name="mail-held-attach"),
    path("mail/in/<int:pk>/discard/", mail_views.held_discard, name="mail-held-discard"),
    path("mail/in/<int:pk>/release/", mail_views.held_release, name="mail-held-release"),
    path(
        "mail/in/<int:pk>/original.eml", mail_views.inbound_original, name="mail-inbound-original"
    ),
    path("mail/in/<int:pk>/retry/", mail_views.inbound_process_again, name="mail-inbound-retry"),
    path("mail/out/", mail_views.outbox, name="mail-outbox"),
    path("mail/out/<int:pk>/retry/", mail_views.outbox_retry_now, name="mail-outbox-retry"),
    # Service levels (admins)
    path("settings/sla/", sla_views.sla_settings, name="sla"),
    path("settings/sla/targets/", sla_views.sla_targets_save, name="sla-targets"),
    path("settings/sla/hours/", sla_views.business_hours_save, name="sla-hours"),
    path("settings/sla/holidays/", sla_views.holiday_add, name="sla-holiday-add"),
    path(
        "settings/sla/holidays/<int:pk>/delete/",
        sla_views.holiday_remove,
        name="sla-holiday-remove",
    ),
]
