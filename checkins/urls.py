"""Check-in pages, included at the site root: the patient's form at /c/<token> (short, for a
one-segment text), the crisis resources at /crisis, and the care team's pages under /clinician/."""

from django.urls import path

from checkins import staff_views, views

app_name = "checkins"

urlpatterns = [
    path("c/<str:token>", views.answer, name="answer"),
    path("crisis", views.crisis, name="crisis"),
    path("clinician/risk-alerts/", staff_views.alert_list, name="staff-alerts"),
    path("clinician/risk-alerts/<int:alert_id>/", staff_views.alert_detail, name="staff-alert"),
    path("clinician/patients/<int:patient_id>/checkins/", staff_views.patient_checkins, name="staff-patient"),
]
