"""Shapes of the sign-in API. Parsing only: the rules live in accounts.services."""

from rest_framework import serializers

from accounts.destinations import parse_destination
from accounts.models import Role


class DestinationField(serializers.CharField):
    """A phone number or email address, returned as an accounts.destinations.Destination."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("help_text", "The patient's mobile number (a US number, or +country code) or email address.")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        try:
            return parse_destination(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="invalid_destination") from None


class SignInCodeRequestSerializer(serializers.Serializer):
    destination = DestinationField()


class SignInCodeRequestedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_in_seconds = serializers.IntegerField()


class SignInCodeField(serializers.CharField):
    """Six digits; spaces and dashes a person types ("123 456") are ignored."""

    default_error_messages = {"invalid": "Enter the 6 digits of the code."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "The 6-digit code from the message.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).replace(" ", "").replace("-", "")
        if len(value) != 6 or not value.isascii() or not value.isdigit():
            self.fail("invalid")
        return value


class SignInVerifySerializer(serializers.Serializer):
    destination = DestinationField()
    code = SignInCodeField()
    session = serializers.BooleanField(default=False, help_text="Also start a browser session (for pages).")


class IdentitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    display_name = serializers.CharField()
    patient_id = serializers.IntegerField(allow_null=True, help_text="Set for patients.")
    staff_id = serializers.IntegerField(allow_null=True, help_text="Set for clinic staff with a staff record.")


class SignInTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField()
    user = IdentitySerializer()
