"""Booking routes: holds, appointments and the actions on one appointment."""

from django.urls import path

from api.views import appointments, holds

urlpatterns = [
    path("holds", holds.HoldCreateView.as_view(), name="holds"),
    path("appointments", appointments.AppointmentListView.as_view(), name="appointments"),
    path("appointments/<id:pk>", appointments.AppointmentDetailView.as_view(), name="appointment"),
    path("appointments/<id:pk>/cancel", appointments.CancelView.as_view(), name="appointment-cancel"),
    path("appointments/<id:pk>/reschedule", appointments.RescheduleView.as_view(), name="appointment-reschedule"),
    path("appointments/<id:pk>/check-in", appointments.CheckInView.as_view(), name="appointment-check-in"),
    path("appointments/<id:pk>/no-show", appointments.NoShowView.as_view(), name="appointment-no-show"),
    path("appointments/<id:pk>/complete", appointments.CompleteView.as_view(), name="appointment-complete"),
]
