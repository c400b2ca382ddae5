"""Telehealth routes: the clinician's waiting list, interpreter flags, in-person evaluations."""

from django.urls import path

from api.views import telehealth

urlpatterns = [
    path("telehealth/waiting", telehealth.WaitingView.as_view(), name="telehealth-waiting"),
    path("telehealth/appointments/<id:pk>/interpreter", telehealth.InterpreterView.as_view(),
         name="telehealth-interpreter"),
    path("telehealth/in-person-evaluations", telehealth.InPersonEvaluationView.as_view(),
         name="telehealth-in-person-evaluations"),
]
