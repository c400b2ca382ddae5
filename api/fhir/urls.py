"""FHIR R4 routes, mounted at /fhir/r4/."""

from django.urls import path

import api.routes  # noqa: F401  (registers the `id` path converter)

from . import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    path("Schedule", views.ScheduleSearchView.as_view(), name="schedules"),
    path("Schedule/<str:schedule_id>", views.ScheduleReadView.as_view(), name="schedule"),
    path("Slot", views.SlotSearchView.as_view(), name="slots"),
    path("Appointment", views.AppointmentView.as_view(), name="appointments"),
    path("Appointment/<id:pk>", views.AppointmentReadView.as_view(), name="appointment"),
    path("Patient/<id:pk>", views.PatientReadView.as_view(), name="patient"),
    path("<path:rest>", views.UnknownView.as_view(), name="unknown"),
]
