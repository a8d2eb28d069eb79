from django.urls import path, re_path

from ecmp.core.ids import register_id_converter
from ecmp.desk import (
    alert_views,
    audit_views,
    billing_views,
    bulk_views,
    canned_views,
    category_views,
    charge_views,
    client_views,
    contract_views,
    finance_report_views,
    follower_views,
    invoice_payment_views,
    issuer_views,
    mail_views,
    new_ticket_views,
    pack_views,
    people_views,
    presence_views,
    queue_views,
    removal_views,
    saved_view_views,
    search_views,
    sla_views,
    support_report_views,
    team_views,
    ticket_views,
    views,
    webhook_views,
)

register_id_converter()

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    # Tickets
    path("tickets/", queue_views.queue, name="queue"),
    path("tickets/organizations/", queue_views.organization_picker, name="organization-picker"),
    path("tickets/jump/", ticket_views.jump, name="jump"),
    path("tickets/new/", new_ticket_views.ticket_new, name="ticket-new"),
    path("people/picker/", new_ticket_views.people_picker, name="people-picker"),
    path("tickets/<id:number>/", ticket_views.ticket_detail, name="ticket-detail"),
    path("tickets/<id:number>/reply/", ticket_views.ticket_reply, name="ticket-reply"),
    path("tickets/<id:number>/close/", ticket_views.ticket_close, name="ticket-close"),
    path("tickets/<id:number>/assign/", ticket_views.ticket_assign, name="ticket-assign"),
    path("tickets/<id:number>/priority/", ticket_views.ticket_priority, name="ticket-priority"),
    path("tickets/<id:number>/do/<slug:action>/", ticket_views.ticket_action, name="ticket-action"),
    path(
        "tickets/<id:number>/files/<id:attachment_id>/",
        ticket_views.attachment_download,
        name="attachment-download",
    ),
    path("tickets/<id:number>/canned/", canned_views.canned_picker, name="canned-picker"),
    path("tickets/<id:number>/canned/<id:pk>/", canned_views.canned_insert, name="canned-insert"),
    path("canned-replies/", canned_views.canned_replies, name="canned-replies"),
    path("canned-replies/<id:pk>/", canned_views.canned_reply_edit, name="canned-reply-edit"),
    path(
        "canned-replies/<id:pk>/delete/",
        canned_views.canned_reply_remove,
        name="canned-reply-delete",
    ),
    # Presence
    path("tickets/<id:number>/presence/", presence_views.ticket_presence, name="ticket-presence"),
    # Categories, bulk actions, saved views
    # Monitoring alerts: which client an Alertmanager label names (api/alerts.py)
    path("settings/alert-mappings/", alert_views.alert_mappings, name="alert-mappings"),
    path("settings/alert-mappings/new/", alert_views.alert_mapping_new, name="alert-mapping-new"),
    path(
        "settings/alert-mappings/<id:pk>/delete/",
        alert_views.alert_mapping_delete,
        name="alert-mapping-delete",
    ),
    path("settings/categories/", category_views.categories, name="categories"),
    path("settings/categories/new/", category_views.category_new, name="category-new"),
    path(
        "settings/categories/<id:pk>/",
        category_views.category_rename,
        name="category-rename",
    ),
    path(
        "settings/categories/<id:pk>/active/",
        category_views.category_active,
        name="category-active",
    ),
    path("settings/categories/<id:pk>/move/", category_views.category_move, name="category-move"),
    path(
        "tickets/<id:number>/category/",
        category_views.ticket_category,
        name="ticket-category",
    ),
    path("tickets/bulk/", bulk_views.tickets_bulk, name="tickets-bulk"),
    path("tickets/views/", saved_view_views.saved_views, name="saved-views"),
    path("tickets/views/new/", saved_view_views.saved_view_new, name="saved-view-new"),
    path(
        "tickets/views/<id:pk>/rename/",
        saved_view_views.saved_view_rename,
        name="saved-view-rename",
    ),
    path(
        "tickets/views/<id:pk>/delete/",
        saved_view_views.saved_view_delete,
        name="saved-view-delete",
    ),
    path(
        "tickets/views/<id:pk>/share/",
        saved_view_views.saved_view_share,
        name="saved-view-share",
    ),
    # Search
    path("search/", search_views.search, name="search"),
    # Followers
    path(
        "tickets/<id:number>/followers/add/", follower_views.follower_add_view, name="follower-add"
    ),
    path(
        "tickets/<id:number>/followers/<id:user_id>/remove/",
        follower_views.follower_remove_view,
        name="follower-remove",
    ),
    # Clients
    path("clients/", client_views.organization_list, name="organizations"),
    path("clients/new/", client_views.organization_new, name="organization-new"),
    path("clients/<id:pk>/", client_views.organization_detail, name="organization"),
    path(
        "clients/<id:pk>/priority-lock/",
        client_views.organization_priority_lock,
        name="organization-priority-lock",
    ),
    path("clients/<id:pk>/active/", client_views.organization_active, name="organization-active"),
    # Contracts
    path("clients/<id:pk>/contract/new/", contract_views.contract_new, name="contract-new"),
    path("contracts/<id:pk>/", contract_views.contract_detail, name="contract"),
    path("contracts/<id:pk>/edit/", contract_views.contract_edit, name="contract-edit"),
    path("contracts/<id:pk>/delete/", contract_views.contract_remove, name="contract-delete"),
    path("people/<id:user_id>/edit/", client_views.person_edit, name="person-edit"),
    path("people/<id:user_id>/active/", client_views.user_active, name="user-active"),
    path("people/<id:user_id>/role/", client_views.user_role, name="user-role"),
    path(
        "people/<id:user_id>/invitation/revoke/",
        client_views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("team/", team_views.team, name="team"),
    path("people/<id:user_id>/data/", people_views.person_export, name="person-export"),
    path("people/<id:user_id>/erase/", people_views.person_erase, name="person-erase"),
    path(
        "people/<id:user_id>/two-factor/reset/",
        team_views.two_factor_reset,
        name="two-factor-reset",
    ),
    path("users/invite/", views.invite, name="invite"),
    path("users/<id:user_id>/invitation/", views.invitation_resend, name="invitation-resend"),
    path("registration-requests/", views.registration_requests, name="registration-requests"),
    path(
        "registration-requests/<id:pk>/approve/",
        views.registration_request_approve,
        name="registration-request-approve",
    ),
    path(
        "registration-requests/<id:pk>/decline/",
        views.registration_request_decline,
        name="registration-request-decline",
    ),
    path("removal-requests/", removal_views.removal_requests, name="removal-requests"),
    path(
        "removal-requests/<id:pk>/approve/",
        removal_views.removal_approve,
        name="removal-approve",
    ),
    path(
        "removal-requests/<id:pk>/decline/",
        removal_views.removal_decline,
        name="removal-decline",
    ),
    # Time and billing
    path("tickets/<id:number>/time/", billing_views.time_add, name="time-add"),
    path("time/<id:pk>/", billing_views.time_edit, name="time-edit"),
    path("time/<id:pk>/delete/", billing_views.time_delete, name="time-delete"),
    path("billing/", billing_views.billing_home, name="billing"),
    path("billing/draft/", billing_views.invoice_draft_view, name="invoice-draft"),
    path("billing/issue/", billing_views.invoice_issue, name="invoice-issue"),
    path("billing/issuer/", issuer_views.issuer_settings, name="issuer"),
    path("billing/charges/", charge_views.charge_add_view, name="charge-add"),
    path("billing/charges/<id:pk>/delete/", charge_views.charge_remove_view, name="charge-delete"),
    path("billing/invoices/<id:pk>/", billing_views.invoice_detail, name="invoice"),
    path("billing/invoices/<id:pk>/cancel/", billing_views.invoice_cancel, name="invoice-cancel"),
    path(
        "billing/invoices/<id:pk>/send/",
        invoice_payment_views.invoice_send_view,
        name="invoice-send",
    ),
    path(
        "billing/invoices/<id:pk>/payments/",
        invoice_payment_views.payment_add_view,
        name="invoice-payment-add",
    ),
    path(
        "billing/payments/<id:pk>/delete/",
        invoice_payment_views.payment_delete_view,
        name="payment-delete",
    ),
    path(
        "billing/statement/", invoice_payment_views.statement_import_view, name="statement-import"
    ),
    re_path(
        r"^billing/invoices/(?P<pk>[0-9]{1,19})/(?P<kind>pdf|csv|ubl)/$",
        billing_views.invoice_file,
        name="invoice-file",
    ),
    path("billing/reports/", billing_views.reports, name="reports"),
    path("clients/<id:pk>/billing/", billing_views.billing_profile_save, name="billing-profile"),
    path("clients/<id:pk>/hours/", pack_views.hour_packs, name="hour-packs"),
    path("clients/<id:pk>/hours/add/", pack_views.hour_pack_add_view, name="hour-pack-add"),
    path("hour-packs/<id:pk>/delete/", pack_views.hour_pack_delete_view, name="hour-pack-delete"),
    # Support reports
    path("reports/support/", support_report_views.support_reports, name="support-reports"),
    path(
        "reports/support/<slug:table>.csv",
        support_report_views.support_report_csv,
        name="support-report-csv",
    ),
    # Billing reports
    path("reports/billing/", finance_report_views.finance_reports, name="finance-reports"),
    path(
        "reports/billing/<slug:table>.csv",
        finance_report_views.finance_report_csv,
        name="finance-report-csv",
    ),
    # Mail
    path("mail/", mail_views.inbox, name="mail"),
    path("mail/in/<id:pk>/", mail_views.inbound_detail, name="mail-inbound"),
    path("mail/in/<id:pk>/ticket/", mail_views.held_create_ticket, name="mail-held-ticket"),
    path("mail/in/<id:pk>/attach/", mail_views.held_attach, name="mail-held-attach"),
    path("mail/in/<id:pk>/discard/", mail_views.held_discard, name="mail-held-discard"),
    path("mail/in/<id:pk>/release/", mail_views.held_release, name="mail-held-release"),
    path("mail/in/<id:pk>/original.eml", mail_views.inbound_original, name="mail-inbound-original"),
    path("mail/in/<id:pk>/retry/", mail_views.inbound_process_again, name="mail-inbound-retry"),
    path("mail/out/", mail_views.outbox, name="mail-outbox"),
    path("mail/out/<id:pk>/retry/", mail_views.outbox_retry_now, name="mail-outbox-retry"),
    # Audit log (admins)
    path("audit/", audit_views.audit_log, name="audit"),
    path("audit/export.csv", audit_views.audit_log_csv, name="audit-csv"),
    # Webhooks (admins)
    path("settings/webhooks/", webhook_views.webhooks, name="webhooks"),
    path("settings/webhooks/new/", webhook_views.webhook_new, name="webhook-new"),
    path("settings/webhooks/<id:pk>/", webhook_views.webhook_detail, name="webhook-detail"),
    path("settings/webhooks/<id:pk>/edit/", webhook_views.webhook_edit, name="webhook-edit"),
    path("settings/webhooks/<id:pk>/rotate/", webhook_views.webhook_rotate, name="webhook-rotate"),
    path("settings/webhooks/<id:pk>/enable/", webhook_views.webhook_enable, name="webhook-enable"),
    path(
        "settings/webhooks/<id:pk>/deliveries/<id:delivery_id>/redeliver/",
        webhook_views.webhook_redeliver,
        name="webhook-redeliver",
    ),
    # Service levels (admins)
    path("settings/sla/", sla_views.sla_settings, name="sla"),
    path("settings/sla/targets/", sla_views.sla_targets_save, name="sla-targets"),
    path("settings/sla/hours/", sla_views.business_hours_save, name="sla-hours"),
    path("settings/sla/holidays/", sla_views.holiday_add, name="sla-holiday-add"),
    path(
        "settings/sla/holidays/<id:pk>/delete/",
        sla_views.holiday_remove,
        name="sla-holiday-remove",
    ),
]
