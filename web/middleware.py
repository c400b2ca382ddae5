"""The language of a patient's page: the visitor's choice (the language switch sets a cookie),
else their browser's. The API, the webhooks and the staff pages stay in English whatever the
client sends (the front desk's pages are not translated)."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

ENGLISH_ONLY = ("/api/", "/webhooks/", "/desk/", "/admin/", "/healthz", "/readyz")


class PageLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path.startswith(ENGLISH_ONLY):
            # The active language lives on the thread: a page served before must not leak into this one.
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return None
        return super().process_request(request)

    def process_response(self, request, response):
        if request.path.startswith(ENGLISH_ONLY):
            return response
        return super().process_response(request, response)
