"""The ceiling for booking throughput: the least a DRF write endpoint can do, one INSERT.

Same server, middleware, DRF parsing/validation/rendering and database as a booking; none of
the booking's reads, locks or extra rows. No authentication: the ceiling is the bare path."""

from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import CeilingRow


class CeilingRowSerializer(serializers.Serializer):
    resource = serializers.IntegerField(min_value=1)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class OneInsertView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def post(self, request):
        data = CeilingRowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = CeilingRow.objects.create(resource_id=data.validated_data["resource"],
                                        start=data.validated_data["start"], end=data.validated_data["end"])
        return Response({"id": row.id}, status=status.HTTP_201_CREATED)
