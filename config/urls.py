from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api import problems
from config import health
from config.csp import api_docs_policy

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL, not inline.
    path("api/docs/", api_docs_policy(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("api/redoc/", api_docs_policy(SpectacularRedocView.as_view(url_name="schema",
                                                                    template_name="web/api_docs/redoc.html")),
         name="api-redoc"),
    path("api/v1/", include("api.urls")),
    path("fhir/r4/", include("api.fhir.urls")),
    path("webhooks/", include("api.views.webhooks")),
    path("", include("telehealth.urls")),
    path("", include("checkins.urls")),
    path("", include("waitlist.urls")),
    path("", include("calendars.urls")),
    path("", include("web.urls")),
]

handler400 = problems.handler400
handler403 = problems.handler403
handler404 = problems.handler404
handler500 = problems.handler500
