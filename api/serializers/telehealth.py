"""Shapes of the telehealth API: the clinician's waiting list, the desk's interpreter flag and
the record of a prescriber's in-person evaluation."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.fields import DayField, IdField, utc_text
from scheduling import timeutils
from scheduling.models import AppointmentStatus
from telehealth.models import InPersonEvaluation, InterpreterNeed, PresenceState
from telehealth.passes import clinician_join_url, visit_url
from telehealth.selectors import WaitingRow


class WaitingQuerySerializer(serializers.Serializer):
    date = DayField(required=False, help_text="A day on your own clock (default: today).")


class _Named(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _WaitingPatientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    language = serializers.CharField(help_text="Preferred language, en or es.")
    state = serializers.CharField(help_text="State of residence.")
    time_zone = serializers.CharField()
    local_start = serializers.CharField(help_text="The visit's start on the patient's clock, with offset.")


class _WindowSerializer(serializers.Serializer):
    opens_at = serializers.DateTimeField(help_text="15 minutes before the start.")
    closes_at = serializers.DateTimeField(help_text="The planned end.")
    open = serializers.BooleanField()


class _PresenceSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PresenceState.choices)
    since = serializers.DateTimeField(allow_null=True, help_text="Waiting since / in the room since / left at.")


class InterpreterSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterpreterNeed
        fields = ["language", "notes", "flagged_at"]
        read_only_fields = ["flagged_at"]


class WaitingVisitSerializer(serializers.Serializer):
    appointment = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    service = _Named()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    time_zone = serializers.CharField(help_text="Your zone: local_start and local_end are on your clock.")
    local_start = serializers.CharField()
    local_end = serializers.CharField()
    patient = _WaitingPatientSerializer()
    window = _WindowSerializer()
    waiting = _PresenceSerializer(help_text="Where the patient is: not arrived, in the waiting room, in the video "
                                            "room, or left the waiting room.")
    identity_confirmed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the patient confirmed their identity on a first video visit; null: not yet.")
    interpreter = InterpreterSerializer(allow_null=True)
    prescribing = serializers.BooleanField(help_text="A prescriber's visit: video only, no phone dial-in.")
    join_url = serializers.URLField(help_text="Your own link to the visit page.")


class WaitingListSerializer(serializers.Serializer):
    date = serializers.DateField()
    time_zone = serializers.CharField()
    visits = WaitingVisitSerializer(many=True)


def render_waiting_row(row: WaitingRow, *, staff) -> dict:
    visit = row.appointment
    mine = timeutils.zone(staff.time_zone)
    theirs = timeutils.zone(visit.patient.time_zone)
    interpreter = getattr(visit, "interpreter_need", None)
    return {
        "appointment": visit.pk,
        "status": visit.status,
        "service": {"id": visit.service_id, "name": visit.service.name},
        "start": utc_text(visit.start), "end": utc_text(visit.end),
        "time_zone": staff.time_zone,
        "local_start": visit.start.astimezone(mine).isoformat(), "local_end": visit.end.astimezone(mine).isoformat(),
        "patient": {"id": visit.patient_id, "name": visit.patient.display_name, "language": visit.patient.language,
                    "state": visit.patient.state, "time_zone": visit.patient.time_zone,
                    "local_start": visit.start.astimezone(theirs).isoformat()},
        "window": {"opens_at": utc_text(row.window.opens_at), "closes_at": utc_text(row.window.closes_at),
                   "open": row.window_open},
        "waiting": {"state": row.patient_presence.state, "since": utc_text(row.patient_presence.since)},
        "identity_confirmed_at": utc_text(row.identity_confirmed_at),
        "interpreter": InterpreterSerializer(interpreter).data if interpreter else None,
        "prescribing": row.prescribing,
        "join_url": visit_url(row.own_pass) if row.own_pass else clinician_join_url(visit, staff),
    }


class InterpreterRequestSerializer(serializers.Serializer):
    language = serializers.CharField(max_length=60, help_text="The language to interpret, e.g. Spanish, ASL.")
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                  help_text="Agency, phone line or booking reference.")

    def validate_language(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Name the language to interpret, e.g. Spanish.")
        return value.strip()


class InPersonEvaluationRequestSerializer(serializers.Serializer):
    patient = IdField()
    prescriber = IdField(required=False,
                                          help_text="Staff id of the prescriber; default: you.")
    evaluated_on = DayField(help_text="The day of the in-person evaluation.")


class InPersonEvaluationSerializer(serializers.Serializer):
    prescriber = _Named()
    patient = serializers.IntegerField()
    evaluated_on = serializers.DateField(help_text="The latest day this prescriber evaluated the patient in person.")
    recorded_at = serializers.DateTimeField()


def render_evaluation(record: InPersonEvaluation) -> dict:
    return {"prescriber": {"id": record.prescriber_id, "name": record.prescriber.display_name},
            "patient": record.patient_id, "evaluated_on": record.evaluated_on.isoformat(),
            "recorded_at": utc_text(record.recorded_at)}
