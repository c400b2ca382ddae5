"""The product's URLs plus the ceiling endpoint, used only under bench.settings."""

from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns as product_urlpatterns

urlpatterns = [path("bench/ceiling/", include("bench.ceiling.urls")), *product_urlpatterns]

__all__ = ["urlpatterns", "handler400", "handler403", "handler404", "handler500"]
