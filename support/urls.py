"""Support pages: the ticket queues and ticket pages for staff, and the public support form."""

from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/export.csv", views.ticket_export, name="ticket_export"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<id:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<id:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<id:pk>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<id:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<id:pk>/edit/", views.ticket_edit, name="ticket_edit"),
    path("tickets/attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("support/new/", views.public_ticket_new, name="public_ticket_new"),
    path("support/new/thanks/", views.public_ticket_done, name="public_ticket_done"),
]
