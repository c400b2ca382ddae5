"""Patient routes: the clinic staff's patient search."""

from django.urls import path

from api.views import patients

urlpatterns = [
    path("patients", patients.PatientSearchView.as_view(), name="patients"),
]
