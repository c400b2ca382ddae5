"""Catalog and availability: the query the availability endpoint accepts, and what the catalog
and availability endpoints answer with.

Availability answers can hold a thousand slots, so they are rendered by `render_availability`
as plain dicts; the response serializers below describe that shape for the OpenAPI schema.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from django.conf import settings
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from api.serializers.eligibility import EligibilitySerializer
from api.serializers.fields import IdField, local_text, ServiceRefField, utc_instant, utc_text
from scheduling import catalog, timeutils
from scheduling.availability import AvailabilityResult, Slot
from scheduling.models import Location, Modality, Phase, Resource, Service, StaffMember
from scheduling.models.clinic import LANGUAGES, validate_time_zone
from scheduling.selectors.catalog import CLINICAL_ROLES

VISIT_MODALITIES = [c for c in Modality.choices if c[0] != Modality.EITHER]

# --- Catalog ---------------------------------------------------------------------------------


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["order", "name", "duration_minutes", "staff_role", "staff_usage", "resource_kind", "present_role"]


class ServiceSerializer(serializers.ModelSerializer):
    duration_minutes = serializers.SerializerMethodField(help_text="The whole visit, all phases.")
    phases = PhaseSerializer(many=True, read_only=True)
    location_ids = serializers.SerializerMethodField(help_text="In-person locations that offer it.")

    class Meta:
        model = Service
        fields = ["id", "code", "name", "description", "description_es", "category", "modality", "is_dosing",
                  "duration_minutes", "phases", "location_ids", "min_notice_minutes", "horizon_days", "slot_step_minutes", "buffer_before_minutes",
                  "buffer_after_minutes", "cancellation_window_hours", "bookable_online", "patient_chooses_staff",
                  "prep_instructions", "prep_instructions_es"]

    def get_duration_minutes(self, service: Service) -> int:
        return sum(p.duration_minutes for p in service.phases.all())

    def get_location_ids(self, service: Service) -> list[int]:
        return [loc.id for loc in service.locations.all()]


class ResourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "name", "kind"]


class LocationSerializer(serializers.ModelSerializer):
    # Output only, yet not read_only: the schema marks read-only fields required, and patients
    # never get this one.
    resources = ResourceSerializer(many=True, required=False, help_text="Chairs and rooms; shown to clinic staff only.")

    class Meta:
        model = Location
        fields = ["id", "name", "address", "time_zone", "phone", "state", "is_virtual", "rems_certified", "resources"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("staff_view"):
            data.pop("resources", None)
        return data


class StaffSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    roles = serializers.SerializerMethodField()
    location_ids = serializers.SerializerMethodField()

    class Meta:
        model = StaffMember
        fields = ["id", "name", "roles", "languages", "licensed_states", "location_ids", "time_zone"]

    def get_roles(self, member: StaffMember) -> list[str]:
        return [r for r in member.roles if r in CLINICAL_ROLES]

    def get_location_ids(self, member: StaffMember) -> list[int]:
        return [loc.id for loc in member.locations.all()]


class StaffQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=sorted(CLINICAL_ROLES), required=False)
    location = IdField(required=False, help_text="Location id.")
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    service = ServiceRefField(required=False, help_text="Only clinicians this service takes.")


class ServiceQuerySerializer(serializers.Serializer):
    location = IdField(required=False, help_text="Location id: services offered there.")
    modality = serializers.ChoiceField(choices=VISIT_MODALITIES, required=False)


# --- Availability query ----------------------------------------------------------------------


_PLUS_LOST = re.compile(r"(.+\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})")


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant that must carry its offset: a naive time is refused, never guessed."""

    default_error_messages = {
        "invalid": "Use an ISO 8601 date and time, e.g. 2025-03-10T09:00:00-07:00.",
        "naive": "Include a UTC offset or Z (e.g. 2025-03-10T09:00:00-07:00): a time without one is ambiguous.",
    }

    def to_internal_value(self, data) -> dt.datetime:
        text = str(data).strip()
        # An unencoded "+07:00" in a query string arrives as " 07:00".
        plus_lost = _PLUS_LOST.fullmatch(text)
        if plus_lost:
            text = f"{plus_lost[1]}+{plus_lost[2]}"
        try:
            value = parse_datetime(text)
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if value.tzinfo is None:
            self.fail("naive")
        return utc_instant(value)



class AvailabilityQuerySerializer(serializers.Serializer):
    service = ServiceRefField()
    location = IdField(required=False, help_text="Location id for an in-person visit.")
    modality = serializers.ChoiceField(choices=VISIT_MODALITIES, required=False,
                                       help_text="video for a video visit (instead of location).")
    start = AwareDateTimeField(required=False, help_text="From (inclusive), with offset. Default: now.")
    end = AwareDateTimeField(required=False, help_text="Until (exclusive), with offset. Default: start + 14 days.")
    staff = IdField(required=False, help_text="Only this clinician (a staff id).")
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, help_text="Only clinicians speaking it.")
    patient = IdField(required=False, help_text=(
        "Clinic staff: the patient the times are for (one the caller may see). Their booking gates, their state's "
        "licensure (video), their language and their clock (video) then apply, so every time offered can be booked "
        "for them; `eligibility` is theirs."))
    time_zone = serializers.CharField(required=False, help_text="IANA zone for local_start/local_end. "
                                      "Default: the location's, or for video the clinician's.")
    detail = serializers.ChoiceField(choices=["lean", "full"], default="lean", help_text=(
        "`lean` (the default): each slot is its start and end on the local clock, with offset (the start is the "
        "local start). `full`: start and end in UTC, the local start and end, the zone, the clinicians and each "
        "phase with its clinician and chair or room (as far as the caller may see them)."))
    group = serializers.ChoiceField(choices=["day"], required=False, help_text=(
        "`day`: the slots come grouped by the local day of their start, in `days`, instead of in `slots`."))

    # From the set-up in memory (scheduling.catalog), which the engine reads too: no query.
    def validate_service(self, pk: int) -> Service:
        service = catalog.current().active_service(pk)
        if service is None:
            raise serializers.ValidationError(f"No service has the id {pk}; see /api/v1/services.")
        return service

    def validate_location(self, pk: int) -> Location:
        location = catalog.current().active_location(pk)
        if location is None:
            raise serializers.ValidationError(f"No location has the id {pk}; see /api/v1/locations.")
        return location

    def validate_staff(self, pk: int) -> StaffMember:
        member = catalog.current().active_staff_member(pk)
        if member is None:
            raise serializers.ValidationError(f"No clinician has the id {pk}; see /api/v1/staff.")
        return member

    def validate_time_zone(self, name: str) -> str:
        try:
            validate_time_zone(name)
        except Exception as exc:  # Django's ValidationError carries the helpful message
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)])[0]) from None
        return name

    def validate(self, attrs: dict) -> dict:
        service: Service = attrs["service"]
        location: Location | None = attrs.get("location")
        modality = attrs.get("modality")
        if location is not None and modality == Modality.VIDEO:
            raise serializers.ValidationError({"location": "Give either location (in person) or modality=video, "
                                                           "not both."})
        if location is not None and location.is_virtual:
            location = None
            modality = Modality.VIDEO
        if location is None and modality != Modality.VIDEO:
            if service.modality == Modality.VIDEO:
                modality = Modality.VIDEO
            else:
                raise serializers.ValidationError({"location": f"Choose a location for {service.name}"
                                                               f"{' or ask for modality=video' if service.allows_video else ''}."})
        if modality == Modality.VIDEO and not service.allows_video:
            raise serializers.ValidationError({"modality": f"{service.name} is not offered by video."})
        if location is not None:
            if not service.allows_in_person:
                raise serializers.ValidationError({"location": f"{service.name} is offered by video only: "
                                                               "use modality=video."})
            if not any(loc.id == location.id for loc in service.locations.all()):
                raise serializers.ValidationError({"location": f"{service.name} is not offered at {location.name}."})
        start = attrs.get("start") or self.context["now"]
        end = attrs.get("end") or start + dt.timedelta(days=14)
        if end <= start:
            raise serializers.ValidationError({"end": "end must be after start."})
        limit = settings.AVAILABILITY_MAX_DAYS
        if end - start > dt.timedelta(days=limit):
            raise serializers.ValidationError({"end": f"The range may span at most {limit} days; ask for "
                                                      f"{limit}-day pieces."})
        attrs.update(location=location, modality=modality or Modality.IN_PERSON, start=start, end=end)
        return attrs


# --- Availability answer (schema) ------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PhaseSlotSerializer(serializers.Serializer):
    phase = serializers.CharField(help_text="Phase name, e.g. Set-up.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text="Includes the service's buffer after the last phase.")
    staff = NamedSerializer(allow_null=True, help_text="Who; null when none is needed or it is not shown to you.")
    resource = NamedSerializer(allow_null=True, help_text="Which chair or room; shown to clinic staff only.")


class SlotSerializer(serializers.Serializer):
    """A bookable visit. Lean (the default): `start` and `end` only, each an instant written on the
    local clock (the answer's `time_zone`) with its offset, to the minute, e.g. 2025-03-10T09:00-07:00:
    at once the local start and the instant to book. `detail=full`: start and end in UTC to the second,
    local_start/local_end on the local clock, and the rest."""

    start = serializers.CharField(help_text="Lean: on the local clock with offset (2025-03-10T09:00-07:00); "
                                            "detail=full: UTC (2025-03-10T16:00:00Z). Either books as given.")
    end = serializers.CharField(help_text="As `start`; includes the service's buffer after the last phase.")
    local_start = serializers.CharField(required=False, help_text="detail=full: the start on the wall clock of "
                                                                  "`time_zone`, with offset.")
    local_end = serializers.CharField(required=False, help_text="detail=full.")
    time_zone = serializers.CharField(required=False, help_text="detail=full (otherwise once, in the answer).")
    clinician_time_zone = serializers.CharField(required=False, help_text="Video: the clinician's zone.")
    clinician_local_start = serializers.CharField(required=False, help_text="Video: start on the clinician's clock.")
    outside_texting_window = serializers.BooleanField(
        required=False, help_text="Video, for a known patient (signed in, or named by staff): true when the visit "
                                  "lies outside the patient's texting window, so no text (not even the join link) "
                                  "can reach them before it ends. It may still be booked; absent otherwise.")
    staff = NamedSerializer(many=True, allow_null=True, required=False,
                            help_text="detail=full: clinicians taken; null when not shown to you.")
    phases = PhaseSlotSerializer(many=True, required=False, help_text="detail=full.")


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The local day of the slots' starts.")
    slots = SlotSerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):
    service = serializers.CharField()
    location = NamedSerializer(allow_null=True, help_text="null for video.")
    modality = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    time_zone = serializers.CharField(allow_null=True, help_text=(
        "The zone of every slot's local_start: the location's, the one asked for, or the patient's (video); null "
        "when each video slot is on its own clinician's clock."))
    earliest = SlotSerializer(allow_null=True, help_text="The first slot in the range, or null.")
    slots = SlotSerializer(many=True, required=False, help_text="Without group=day.")
    days = DaySerializer(many=True, required=False, help_text="With group=day: days with slots, in order.")
    eligibility = EligibilitySerializer(
        allow_null=True, help_text="Whether the signed-in patient (or the patient staff name; a visitor: any "
                                   "visitor) may book the service now, why not and what to do next; null for "
                                   "staff alone. The slots show the calendar either way.")


def render_availability(*, result: AvailabilityResult, service: Service, location: Location | None,
                        start: dt.datetime, end: dt.datetime, display_zone: str | None,
                        staff_info: dict[int, tuple[str, str]], resource_names: dict[int, str],
                        phase_names: dict[int, str], show_staff: bool, show_resources: bool,
                        full: bool = False) -> dict:
    """The availability answer as plain data. `staff_info` maps staff id -> (name, time zone).
    Lean (the default) slots are start and end on the local clock only; `full` adds the rest."""
    staff_objects = {pk: {"id": pk, "name": name} for pk, (name, _) in staff_info.items()}
    resource_objects = {pk: {"id": pk, "name": name} for pk, name in resource_names.items()}
    # A month's slots share their phases' instants (one slot's infusion starts when the next slot
    # starts), so each instant is written once.
    utc, local = functools.cache(utc_text), functools.cache(local_text)
    one_zone = timeutils.zone(display_zone or location.time_zone) if display_zone or location else None

    def lean(slot: Slot) -> dict:
        zone = one_zone
        if zone is None:  # video, on each slot's clinician's clock
            clinician_id = next((a.staff_id for a in slot.assignments if a.staff_id is not None), None)
            zone = timeutils.zone(staff_info[clinician_id][1] if clinician_id is not None else "UTC")
        return {"start": slot.start.astimezone(zone).isoformat(timespec="minutes"),
                "end": slot.end.astimezone(zone).isoformat(timespec="minutes")}

    def render(slot: Slot) -> dict:
        phases: list[dict] = []
        last_phase = None
        for a in slot.assignments:
            if a.phase_id != last_phase:
                last_phase = a.phase_id
                row = {"phase": phase_names.get(a.phase_id, ""), "start": utc(a.start), "end": utc(a.end),
                       "staff": None, "resource": None}
                phases.append(row)
            if a.staff_id is not None and show_staff:
                row["staff"] = staff_objects[a.staff_id]
            if a.resource_id is not None and show_resources:
                row["resource"] = resource_objects[a.resource_id]
        if location is not None:
            zone_name = display_zone or location.time_zone
        else:
            clinician_id = next((a.staff_id for a in slot.assignments if a.staff_id is not None), None)
            clinician_zone = staff_info[clinician_id][1] if clinician_id is not None else "UTC"
            zone_name = display_zone or clinician_zone
        data = {
            "start": utc(slot.start), "end": utc(slot.end),
            "local_start": local(slot.start, zone_name), "local_end": local(slot.end, zone_name),
            "time_zone": zone_name,
            "staff": [staff_objects[pk] for pk in slot.staff_ids] if show_staff else None,
            "phases": phases,
        }
        if location is None and clinician_id is not None:
            data["clinician_time_zone"] = clinician_zone
            data["clinician_local_start"] = local(slot.start, clinician_zone)
        return data

    slots = [(render if full else lean)(slot) for slot in result.slots]
    return {
        "service": service.code,
        "location": {"id": location.id, "name": location.name} if location else None,
        "modality": Modality.VIDEO if location is None else Modality.IN_PERSON,
        "start": utc_text(start), "end": utc_text(end),
        "time_zone": (display_zone or location.time_zone) if location is not None else display_zone,
        "earliest": slots[0] if slots else None,
        "slots": slots,
    }


def group_by_day(slots: list[dict]) -> list[dict]:
    """Slots as [{date, slots}] by the local day of each start, days in order (video slots on
    their clinicians' own clocks may interleave two days)."""
    days: dict[str, list[dict]] = {}
    for slot in slots:
        days.setdefault(slot.get("local_start", slot["start"])[:10], []).append(slot)
    return [{"date": date, "slots": days[date]} for date in sorted(days)]
