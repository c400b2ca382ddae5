"""API v1. Each area keeps its routes in its own module."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("api.routes.auth")),
    path("", include("api.routes.catalog")),
    path("", include("api.routes.booking")),
    path("", include("api.routes.messages")),
    path("", include("api.routes.care")),
    path("", include("api.routes.courses")),
    path("", include("api.routes.telehealth")),
    path("", include("api.routes.checkins")),
    path("", include("api.routes.patients")),
    path("", include("api.routes.calendars")),
    path("", include("api.routes.waitlist")),
]
