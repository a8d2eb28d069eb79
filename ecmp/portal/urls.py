from django.urls import path

from ecmp.core.ids import register_id_converter
from ecmp.portal import (
    billing_views,
    contract_views,
    follower_views,
    invoice_views,
    notification_views,
    pack_views,
    personal_data_views,
    team_removal_views,
    ticket_views,
    views,
)

register_id_converter()

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("service-desk/", ticket_views.ticket_list, name="service-desk"),
    path("tickets/new/", ticket_views.ticket_new, name="ticket-new"),
    path("tickets/<id:number>/", ticket_views.ticket_detail, name="ticket-detail"),
    path("tickets/<id:number>/reply/", ticket_views.ticket_reply, name="ticket-reply"),
    path("tickets/<id:number>/close/", ticket_views.ticket_close, name="ticket-close"),
    path("tickets/<id:number>/tab/close/", ticket_views.ticket_tab_close, name="ticket-tab-close"),
    path(
        "tickets/<id:number>/files/<id:attachment_id>/",
        ticket_views.attachment_download,
        name="attachment-download",
    ),
    # Followers
    path("followed/", follower_views.followed_list, name="followed"),
    path(
        "tickets/<id:number>/followers/add/",
        follower_views.follower_add_view,
        name="follower-add",
    ),
    path(
        "tickets/<id:number>/followers/<id:user_id>/remove/",
        follower_views.follower_remove_view,
        name="follower-remove",
    ),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/bell/", notification_views.notification_bell, name="notification-bell"),
    path(
        "notifications/viewed/",
        notification_views.notification_mark_all_viewed,
        name="notifications-mark-all-viewed",
    ),
    path(
        "notifications/<id:pk>/viewed/",
        notification_views.notification_mark_viewed,
        name="notification-mark-viewed",
    ),
    path(
        "notifications/<id:pk>/open/",
        notification_views.notification_open,
        name="notification-open",
    ),
    path("team/requests/", views.team_requests, name="team-requests"),
    path(
        "team/colleagues/<id:user_id>/remove/",
        team_removal_views.removal_request,
        name="team-removal-request",
    ),
    path("invoices/", billing_views.invoices, name="invoices"),
    path("invoices/<id:pk>/pdf/", billing_views.invoice_pdf, name="invoice-pdf"),
    path("invoices/<id:pk>/ubl/", billing_views.invoice_ubl, name="invoice-ubl"),
    path("invoices/<id:pk>/", invoice_views.invoice_detail, name="invoice"),
    # Contracts
    path("contract/", contract_views.contract, name="contract"),
    path("contract/<id:pk>/", contract_views.contract, name="contract-version"),
    path("hours/", pack_views.hour_packs, name="hour-packs"),
    path("me/data/", personal_data_views.my_data_download, name="my-data"),
]
