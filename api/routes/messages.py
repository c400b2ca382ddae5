"""Front-desk messages routes."""

from django.urls import path

from api.views import messages

urlpatterns = [
    path("appointments/<id:pk>/messages", messages.AppointmentMessagesView.as_view(), name="appointment-messages"),
    path("messages/inbox", messages.InboxView.as_view(), name="messages-inbox"),
    path("messages/inbox/<id:pk>/handle", messages.InboxHandleView.as_view(), name="messages-inbox-handle"),
    path("messages/failed", messages.FailedMessagesView.as_view(), name="messages-failed"),
]
