"""Check-in routes: a patient answers with the link's token; staff read check-ins and risk alerts."""

from django.urls import path

from api.views import checkins

urlpatterns = [
    path("checkins/<str:token>", checkins.CheckInView.as_view(), name="checkin"),
    path("patients/<id:pk>/checkins", checkins.PatientCheckInsView.as_view(), name="patient-checkins"),
    path("risk-alerts", checkins.RiskAlertListView.as_view(), name="risk-alerts"),
    path("risk-alerts/<id:pk>", checkins.RiskAlertDetailView.as_view(), name="risk-alert"),
    path("risk-alerts/<id:pk>/acknowledge", checkins.RiskAlertAcknowledgeView.as_view(),
         name="risk-alert-acknowledge"),
]
