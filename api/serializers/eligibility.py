"""The eligibility answer (care.eligibility) as the availability endpoints return it, and the
earliest-anywhere request and answer."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from rest_framework import serializers

from api.pagination import MAX_LIMIT
from api.serializers.fields import IdField, local_text, ServiceRefField, utc_text
from care.eligibility import Eligibility
from scheduling import catalog
from scheduling.availability import PlacedSlot
from scheduling.models import Location, Modality, Service
from scheduling.models.clinic import LANGUAGES, validate_time_zone

NEXT_STEPS = ["book", "book_evaluation", "attend_evaluation", "call_clinic"]
CODES = ["eligible", "evaluation_first", "evaluation_booked", "clearance_pending", "clearance_expired",
         "clearance_ended", "rems_enrolment_needed", "no_place", "staff_only", "not_offered"]


class ServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EvaluationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()


class EligibilitySerializer(serializers.Serializer):
    """Whether the patient may book the service now; if not, why and what to do next."""

    can_book = serializers.BooleanField()
    code = serializers.ChoiceField(choices=CODES, help_text="Stable: branch on it.")
    reason = serializers.CharField(help_text="Why not, in plain words in the patient's language; empty when "
                                             "they may book.")
    next_step = serializers.ChoiceField(choices=NEXT_STEPS)
    next_step_text = serializers.CharField(help_text="What to do next, in plain words; empty when they may book.")
    next_service = ServiceRefSerializer(allow_null=True, help_text="The evaluation to book first.")
    evaluation = EvaluationRefSerializer(allow_null=True, help_text="The evaluation already booked.")
    expired_on = serializers.DateField(allow_null=True, help_text="The clearance's last day, when it has lapsed.")
    bookable_from = serializers.DateField(allow_null=True, help_text="Visits from this day on (REMS enrolment).")
    bookable_until = serializers.DateField(allow_null=True, help_text="Visits up to this day (clearance expiry).")
    locations = PlaceSerializer(many=True, help_text="The sites where the patient may book it.")
    video = serializers.BooleanField(help_text="Whether the patient may book it by video.")


def render_eligibility(answer: Eligibility | None) -> dict | None:
    if answer is None:
        return None
    return {
        "can_book": answer.can_book, "code": answer.code, "reason": answer.reason, "next_step": answer.next_step,
        "next_step_text": answer.next_step_text,
        "next_service": ({"id": answer.next_service.pk, "code": answer.next_service.code,
                          "name": answer.next_service.name} if answer.next_service else None),
        "evaluation": ({"id": answer.evaluation.pk, "start": utc_text(answer.evaluation.start)}
                       if answer.evaluation else None),
        "expired_on": _day(answer.expired_on), "bookable_from": _day(answer.bookable_from),
        "bookable_until": _day(answer.bookable_until),
        "locations": [{"id": place.pk, "name": place.name} for place in answer.places if place is not None],
        "video": answer.video,
    }


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- Earliest anywhere ------------------------------------------------------------------------


class EarliestQuerySerializer(serializers.Serializer):
    service = ServiceRefField()
    days = serializers.IntegerField(required=False, default=28, min_value=1, max_value=settings.AVAILABILITY_MAX_DAYS,
                                    help_text="How many days ahead to look, from now.")
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=MAX_LIMIT,
                                     help_text=f"How many times to return, 1 to {MAX_LIMIT}.")
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, help_text="Only clinicians speaking it.")
    time_zone = serializers.CharField(required=False, help_text="IANA zone for local_start/local_end of video "
                                                                "times. Default: the patient's, else the clinician's.")
    patient = IdField(required=False, help_text="Clinic staff: the patient to answer for (eligibility, licensure).")

    def validate_service(self, pk: int) -> Service:
        service = catalog.current().services.get(pk)  # the kept set-up: phases and sites come with it
        if service is None or not service.active:
            raise serializers.ValidationError(f"No service has the id {pk}; see /api/v1/services.")
        return service

    def validate_time_zone(self, name: str) -> str:
        try:
            validate_time_zone(name)
        except Exception as exc:  # Django's ValidationError carries the helpful message
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)])[0]) from None
        return name


class EarliestSlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="UTC.")
    end = serializers.DateTimeField(help_text="UTC.")
    local_start = serializers.CharField(help_text="Start on the wall clock of `time_zone`, with offset.")
    local_end = serializers.CharField()
    time_zone = serializers.CharField(help_text="The site's zone; for video the patient's (or `time_zone`), else "
                                                "the clinician's.")
    modality = serializers.ChoiceField(choices=[c for c in Modality.choices if c[0] != Modality.EITHER])
    location = PlaceSerializer(allow_null=True, help_text="null for video.")


class EarliestSerializer(serializers.Serializer):
    service = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    eligibility = EligibilitySerializer(allow_null=True, help_text="For a signed-in patient, a patient named by "
                                                                   "staff, or a visitor; null for staff alone.")
    slots = EarliestSlotSerializer(many=True, help_text="Earliest first, across every site and video.")


def render_earliest(*, service: Service, start: dt.datetime, end: dt.datetime, found: list[PlacedSlot],
                    eligibility: Eligibility | None, video_zone: str | None,
                    clinician_zones: dict[int, str]) -> dict:
    def render(placed: PlacedSlot) -> dict:
        location: Location | None = placed.location
        if location is not None:
            zone_name = location.time_zone
        else:
            clinician = next((pk for pk in placed.slot.staff_ids), None)
            zone_name = video_zone or clinician_zones.get(clinician, "UTC")
        return {"start": utc_text(placed.slot.start), "end": utc_text(placed.slot.end),
                "local_start": local_text(placed.slot.start, zone_name),
                "local_end": local_text(placed.slot.end, zone_name), "time_zone": zone_name,
                "modality": Modality.VIDEO if location is None else Modality.IN_PERSON,
                "location": {"id": location.pk, "name": location.name} if location is not None else None}

    return {"service": service.code, "start": utc_text(start), "end": utc_text(end),
            "eligibility": render_eligibility(eligibility), "slots": [render(placed) for placed in found]}
