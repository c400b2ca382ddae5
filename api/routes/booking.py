"""Booking routes: holds, appointments and the actions on one appointment."""

from django.urls import path

from api.views import appointments, holds

urlpatterns = [
    path("holds", holds.HoldCreateView.as_view(), name="holds"),
    path("appointments", appointments.AppointmentListView.as_view(), name="appointments"),
    path("appointments/<int:pk>", appointments.AppointmentDetailView.as_view(), name="appointment"),
    path("appointments/<int:pk>/cancel", appointments.CancelView.as_view(), name="appointment-cancel"),
    path("appointments/<int:pk>/reschedule", appointments.RescheduleView.as_view(), name="appointment-reschedule"),
    path("appointments/<int:pk>/check-in", appointments.CheckInView.as_view(), name="appointment-check-in"),
    path("appointments/<int:pk>/no-show", appointments.NoShowView.as_view(), name="appointment-no-show"),
    path("appointments/<int:pk>/complete", appointments.CompleteView.as_view(), name="appointment-complete"),
]
