"""Clinicians' calendar feeds, included at the site root: /calendars/<token>.ics."""

from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [path("calendars/<str:token>.ics", views.feed, name="feed")]
