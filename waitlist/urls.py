"""The claim link of a waitlist offer, at the site root: /w/<token> (short, for a one-segment text)."""

from django.urls import path

from waitlist import views

app_name = "waitlist"

urlpatterns = [path("w/<str:token>", views.claim, name="claim")]
