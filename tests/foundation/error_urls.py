"""Views that fail on purpose, to check every failure reaches the client as a problem detail."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsClinicStaff
from core.errors import Conflict


class _Booking(serializers.Serializer):
    start = serializers.DateTimeField()
    chairs = serializers.ListField(child=serializers.IntegerField(min_value=1))


class ValidatingView(APIView):
    permission_classes: list = []

    def post(self, request):
        _Booking(data=request.data).is_valid(raise_exception=True)
        return Response({})


class StaffOnlyView(APIView):
    permission_classes = [IsClinicStaff]

    def get(self, request):
        return Response({"seen_by": request.user.role})


class BrokenView(APIView):
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("secret internals: password=hunter2")


class ConflictView(APIView):
    permission_classes: list = []

    def post(self, request):
        raise Conflict("Chair 3 is taken 10:15-11:45.", code="slot_taken")


def broken_page(request):
    raise RuntimeError("secret internals: password=hunter2")


urlpatterns = [
    path("api/test/validating", ValidatingView.as_view()),
    path("api/test/staff-only", StaffOnlyView.as_view()),
    path("api/test/broken", BrokenView.as_view()),
    path("api/test/conflict", ConflictView.as_view()),
    path("api/test/broken-page", broken_page),
    path("", include("config.urls")),
]
handler400 = "api.problems.handler400"
handler403 = "api.problems.handler403"
handler404 = "api.problems.handler404"
handler500 = "api.problems.handler500"
