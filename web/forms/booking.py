"""The patient's forms: details for a new patient, sign-in by code. Labels say exactly what is
asked; error messages say what to type instead."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.destinations import parse_destination
from web import formatting, wording
from web.services.patients import PatientDetails

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]


def parse_mobile(raw: str) -> str:
    """E.164, or ValidationError in words a patient understands."""
    try:
        number = phonenumbers.parse((raw or "").strip(), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(_("Enter a US mobile number, like 602-555-0134."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_consent_label(daily_cap: int) -> str:
    return _(
        "Yes, text me at this number about my visits: the booking confirmation, reminders before each visit "
        "and the link to join a video visit (at most %(cap)d texts a day). Reply STOP at any time to stop "
        "all texts, or HELP for help. Message and data rates may apply. Saying no does not affect your care."
    ) % {"cap": daily_cap}


class DetailsForm(forms.Form):
    first_name = forms.CharField(label=_("First name (as on your ID)"), max_length=80,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=80,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    date_of_birth = forms.DateField(label=_("Date of birth"),
                                    widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}))
    phone = forms.CharField(label=_("Mobile number"), max_length=32,
                            help_text=_("We text a 6-digit code to this number to confirm it is yours."),
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
    email = forms.EmailField(label=_("Email"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    state = forms.ChoiceField(label=_("State you live in"))
    language = forms.ChoiceField(label=_("Preferred language for messages"), choices=LANGUAGE_CHOICES)
    sms_consent = forms.BooleanField(required=False)

    def __init__(self, *args, daily_cap: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Choose your state"))] + wording.state_choices()
        self.fields["sms_consent"].label = sms_consent_label(daily_cap)

    def clean_phone(self) -> str:
        return parse_mobile(self.cleaned_data["phone"])

    def clean_date_of_birth(self) -> dt.date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("The date of birth is in the future; check the year."))
        if born.year < today.year - 120:
            raise forms.ValidationError(_("Check the year of your date of birth."))
        return born

    def details(self, *, time_zone: str) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(first_name=data["first_name"], last_name=data["last_name"],
                              date_of_birth=data["date_of_birth"], phone=data["phone"], email=data["email"] or "",
                              state=data["state"], language=data["language"], time_zone=time_zone,
                              sms_consent=data["sms_consent"])


class CodeForm(forms.Form):
    code = forms.RegexField(label=_("6-digit code"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": _("The code is 6 digits, like 123456.")},
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class SignInForm(forms.Form):
    destination = forms.CharField(label=_("Mobile number or email"), max_length=254,
                                  widget=forms.TextInput(attrs={"autocomplete": "username"}))

    def clean_destination(self):
        try:
            return parse_destination(self.cleaned_data["destination"])
        except ValueError:
            raise forms.ValidationError(_("Enter a mobile number (like 602-555-0134) or an email address.")) from None


class ZoneForm(forms.Form):
    """Video times: the state (clinicians must be licensed there) and the clock to show times on."""

    state = forms.ChoiceField(label=_("State you live in"))
    tz = forms.ChoiceField(label=_("Show times in"), required=False)
    spanish = forms.BooleanField(label=_("Only clinicians who speak Spanish"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Choose your state"))] + wording.state_choices()
        self.fields["tz"].choices = [("", _("My state's time"))] + [
            (name, formatting.zone_label(name)) for name in formatting.PATIENT_ZONES]


class EscortForm(forms.Form):
    """The adult who takes the patient home from a dosing visit. Optional when booking (many
    patients arrange a driver later); both fields or neither."""

    name = forms.CharField(label=_("Their name"), max_length=120, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("Their mobile number"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}))

    def __init__(self, *args, required: bool = False, **kwargs):
        super().__init__(*args, prefix="escort", **kwargs)
        self.required = required
        for field in self.fields.values():
            field.required = required

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        return parse_mobile(raw) if raw else ""

    def clean(self):
        data = super().clean()
        name, phone = (data.get("name") or "").strip(), data.get("phone")
        if "phone" in data and bool(name) != bool(phone):
            missing = "phone" if name else "name"
            self.add_error(missing, _("Give both their name and their mobile number, or leave both empty."))
        return data

    def given(self) -> bool:
        return bool(self.cleaned_data.get("name", "").strip())
