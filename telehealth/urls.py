"""Pages of a video visit, included at the site root: /visit/<token>."""

from django.urls import path

from . import views

app_name = "telehealth"

urlpatterns = [
    path("visit/<str:token>", views.visit_page, name="visit"),
    path("visit/<str:token>/status", views.visit_status, name="status"),
    path("visit/<str:token>/join", views.enter_room, name="join"),
]
