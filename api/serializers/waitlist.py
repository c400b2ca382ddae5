"""Shapes of the waitlist API: joining (a patient for themselves, the desk for a caller), an
entry as staff read it, and the weekly report."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from api.serializers.fields import ServiceRefField
from waitlist.models import Offer, Place, WaitlistEntry


class TimeRangeField(serializers.ListField):
    child = serializers.RegexField(r"^\d{2}:\d{2}$")

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) != 2:
            raise serializers.ValidationError('A range is ["HH:MM", "HH:MM"].')
        try:
            start, end = (dt.time.fromisoformat(part) for part in value)
        except ValueError:
            raise serializers.ValidationError("Give times as HH:MM, 00:00 to 23:59.") from None
        if start >= end:
            raise serializers.ValidationError("A range must start before it ends.")
        return value


class JoinRequestSerializer(serializers.Serializer):
    patient = serializers.IntegerField(
        min_value=1, required=False, help_text="The front desk names the caller; a patient leaves it out."
    )
    service = ServiceRefField()
    place = serializers.ChoiceField(choices=Place.choices, default=Place.ANY)
    location = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="The site, when place is `location`."
    )
    staff = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="A clinician the patient wants; leave out for anyone."
    )
    earliest_date = serializers.DateField(required=False, help_text="Default: today, on the patient's calendar.")
    latest_date = serializers.DateField(
        required=False, help_text="Default: 28 days on, or the day of the visit to move up."
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        min_length=1,
        max_length=7,
        help_text="0 is Monday; default every day.",
    )
    time_ranges = serializers.ListField(
        child=TimeRangeField(),
        required=False,
        max_length=6,
        help_text='Times of day on the patient\'s clock, e.g. [["08:00", "12:00"]].',
    )
    move_up = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="A booked visit of the patient's: only earlier times are offered, and a claim moves that visit.",
    )
    priority = serializers.IntegerField(
        min_value=0, max_value=100, required=False, default=0, help_text="Staff only: higher is offered first."
    )

    def validate(self, attrs):
        if attrs.get("place") == Place.LOCATION and not attrs.get("location"):
            raise serializers.ValidationError({"location": "Name the site, or choose video or any place."})
        first, last = attrs.get("earliest_date"), attrs.get("latest_date")
        if first and last and last < first:
            raise serializers.ValidationError({"latest_date": "The last day must not be before the first."})
        return attrs


class OfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = Offer
        fields = [
            "id",
            "start",
            "end",
            "location",
            "mode",
            "status",
            "created_at",
            "expires_at",
            "closed_at",
            "appointment",
        ]


class EntrySerializer(serializers.ModelSerializer):
    offers = serializers.SerializerMethodField()

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "patient",
            "service",
            "place",
            "location",
            "staff",
            "earliest_date",
            "latest_date",
            "weekdays",
            "time_ranges",
            "move_up",
            "priority",
            "status",
            "expires_on",
            "created_at",
            "booked_appointment",
            "offers",
        ]

    def get_offers(self, entry) -> list[dict]:
        return OfferSerializer(entry.offers.all(), many=True).data


class PrioritySerializer(serializers.Serializer):
    priority = serializers.IntegerField(min_value=0, max_value=100)


class WeekSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    minutes_freed = serializers.IntegerField()
    minutes_refilled = serializers.IntegerField()
    median_minutes_to_refill = serializers.FloatField(allow_null=True)
    offers_sent = serializers.IntegerField()
    offers_claimed = serializers.IntegerField()
    offers_declined = serializers.IntegerField()
    offers_expired = serializers.IntegerField()
    offers_taken = serializers.IntegerField()
