"""Clinical-gates routes: screening, clearance, REMS, escorts and the desk's lists."""

from django.urls import path

from api.views import care

urlpatterns = [
    path("care/screenings", care.ScreeningListView.as_view(), name="care-screenings"),
    path("care/patients/<id:pk>", care.ClinicalSummaryView.as_view(), name="care-patient"),
    path("care/clearances", care.ClearanceListView.as_view(), name="care-clearances"),
    path("care/clearances/<id:pk>/revoke", care.ClearanceRevokeView.as_view(), name="care-clearance-revoke"),
    path("care/rems-enrolments", care.RemsEnrolmentView.as_view(), name="care-rems-enrolments"),
    path("care/monitoring-forms", care.MonitoringFormListView.as_view(), name="care-monitoring-forms"),
    path("care/monitoring-forms/<id:pk>/submit", care.MonitoringFormSubmitView.as_view(),
         name="care-monitoring-form-submit"),
    path("care/escorts/missing", care.MissingEscortListView.as_view(), name="care-escorts-missing"),
    path("care/gate-overrides", care.GateOverrideListView.as_view(), name="care-gate-overrides"),
    path("appointments/<id:pk>/escort", care.EscortView.as_view(), name="appointment-escort"),
]
