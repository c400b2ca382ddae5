"""Pages of a video visit, included at the site root: /visit/<token>, and /j/<token>, the short
form a text carries (it redirects, so the page and its relative links live at one address)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "telehealth"

urlpatterns = [
    path("visit/<str:token>", views.visit_page, name="visit"),
    path("j/<str:token>", RedirectView.as_view(pattern_name="telehealth:visit"), name="join-short"),
    path("visit/<str:token>/status", views.visit_status, name="status"),
    path("visit/<str:token>/join", views.enter_room, name="join"),
]
