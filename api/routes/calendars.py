"""Calendar routes: an appointment's .ics and a clinician's feed URL."""

from django.urls import path

from api.views import calendars

urlpatterns = [
    path("appointments/<id:pk>/calendar", calendars.AppointmentCalendarView.as_view(), name="appointment-calendar"),
    path("staff/<id:pk>/calendar-feed", calendars.StaffCalendarFeedView.as_view(), name="staff-calendar-feed"),
]
