"""Shapes of the staff's patient search: the query and the patient it lists."""

from __future__ import annotations

from rest_framework import serializers

from scheduling.models import Patient
from scheduling.selectors.patients import MIN_QUERY


class PatientSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(min_length=MIN_QUERY, max_length=100, help_text=(
        "A name (every word matches part of a first, last or preferred name), a mobile number in any format "
        "(+1 602 555 0111, (602) 555-0111), an email, or a date of birth (1990-04-02 or 04/02/1990)."))


class PatientSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", help_text="Preferred (or legal) first name and last name.")

    class Meta:
        model = Patient
        fields = ["id", "name", "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "phone",
                  "email", "language", "state", "time_zone"]
