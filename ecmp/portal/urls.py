from django.urls import path

from ecmp.portal import billing_views, notification_views, ticket_views, views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("service-desk/", ticket_views.ticket_list, name="service-desk"),
    path("tickets/new/", ticket_views.ticket_new, name="ticket-new"),
    path("tickets/<int:number>/", ticket_views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:number>/reply/", ticket_views.ticket_reply, name="ticket-reply"),
    path("tickets/<int:number>/close/", ticket_views.ticket_close, name="ticket-close"),
    path("tickets/<int:number>/tab/close/", ticket_views.ticket_tab_close, name="ticket-tab-close"),
    path(
        "tickets/<int:number>/files/<int:attachment_id>/",
        ticket_views.attachment_download,
        name="attachment-download",
    ),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/bell/", notification_views.notification_bell, name="notification-bell"),
    path(
        "notifications/viewed/",
        notification_views.notification_mark_all_viewed,
        name="notifications-mark-all-viewed",
    ),
    path(
        "notifications/<int:pk>/viewed/",
        notification_views.notification_mark_viewed,
        name="notification-mark-viewed",
    ),
    path(
        "notifications/<int:pk>/open/",
        notification_views.notification_open,
        name="notification-open",
    ),
    path("team/requests/", views.team_requests, name="team-requests"),
    path("invoices/", billing_views.invoices, name="invoices"),
    path("invoices/<int:pk>/pdf/", billing_views.invoice_pdf, name="invoice-pdf"),
]
