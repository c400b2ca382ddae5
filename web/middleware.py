"""The language of a patient's page: the visitor's choice (the language switch sets a cookie),
else a signed-in patient's stored preference, else their browser's. The API, the webhooks and
the staff pages stay in English whatever the client sends (the front desk's pages are not
translated). Pages that know no patient (the crisis page, a refused check-in, visit or manage
link) take the language picked here too."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from accounts.models import Role
from scheduling.models import Patient

ENGLISH_ONLY = ("/api/", "/webhooks/", "/desk/", "/admin/", "/healthz", "/readyz")


def stored_preference(request) -> str | None:
    """The signed-in patient's language on record, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.PATIENT:
        return None
    return Patient.objects.filter(user=user).values_list("language", flat=True).first()


class PageLanguageMiddleware(LocaleMiddleware):
    """After AuthenticationMiddleware: the stored preference needs to know who is signed in."""

    def process_request(self, request):
        if request.path.startswith(ENGLISH_ONLY):
            # The active language lives on the thread: a page served before must not leak into this one.
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return None
        super().process_request(request)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            stored = stored_preference(request)
            if stored in dict(settings.LANGUAGES):
                translation.activate(stored)
                request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if request.path.startswith(ENGLISH_ONLY):
            return response
        return super().process_response(request, response)
