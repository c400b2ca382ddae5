"""The front desk's forms. Choices are limited to what the signed-in user works with; the
services re-check everything on the server."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import Role
from scheduling.models import Location, Resource, Service, StaffMember
from scheduling.selectors.catalog import active_services, clinical_staff
from web import formatting
from web.forms.booking import DetailsForm, parse_mobile
from web.services.patients import PatientDetails

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class StaffLoginForm(AuthenticationForm):
    """Django's sign-in with passwords, for staff accounts only (patients sign in with a code)."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.role not in (Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN):
            raise forms.ValidationError("This sign-in is for clinic staff. Patients sign in with a code on the "
                                        "My appointments page.", code="not_staff")


class NewPatientForm(DetailsForm):
    """A caller who is not on record yet. The mobile number is optional on the phone."""

    time_zone = forms.ChoiceField(label="Time zone", choices=[(z, formatting.zone_label(z)) for z in formatting.PATIENT_ZONES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = False
        self.fields["phone"].help_text = "Reminders go to this number unless the patient opts out."
        self.fields["first_name"].label = "Legal first name"
        self.fields["state"].label = "State of residence"
        self.fields["language"].label = "Preferred language"
        self.fields["sms_consent"].label = ("The patient agreed, on this call, to texts about their visits "
                                            "(confirmations, reminders, video links) and knows to reply STOP to end them.")
        self.order_fields(["first_name", "last_name", "date_of_birth", "phone", "email", "state", "time_zone",
                           "language", "sms_consent"])

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        return parse_mobile(raw) if raw else ""

    def details(self, *, time_zone: str | None = None) -> PatientDetails:
        return super().details(time_zone=time_zone or self.cleaned_data["time_zone"])


def place_choices(locations: list[Location], *, video: bool) -> list[tuple[str, str]]:
    choices = [(str(loc.pk), loc.name) for loc in locations if not loc.is_virtual]
    if video:
        choices.append(("video", "Video visit"))
    return choices


class FindTimeForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None)
    where = forms.ChoiceField(label="Where")
    day = forms.DateField(label="Day", required=False, widget=DATE)

    def __init__(self, *args, places: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = active_services()
        self.fields["where"].choices = places


class BookForm(forms.Form):
    slot = forms.CharField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(choices=[("phone", "Phone call"), ("front_desk", "At the desk")], initial="phone")
    staff_notes = forms.CharField(label="Note for the team", required=False, max_length=500,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class OverrideForm(forms.Form):
    """A time the engine does not offer (short notice, beyond the horizon, off the grid):
    booked only with a reason, and never over a conflict."""

    day = forms.DateField(label="Day", widget=DATE)
    time = forms.TimeField(label="Start time", widget=TIME)
    override_reason = forms.CharField(label="Reason for overriding the booking rules", max_length=300)


class CancelForm(forms.Form):
    cancelled_by = forms.ChoiceField(label="Who cancels", choices=[("patient", "The patient asked"),
                                                                  ("clinic", "The clinic cancels")])
    reason = forms.CharField(label="Reason", max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, required=False)


class CheckInForm(forms.Form):
    override_reason = forms.CharField(label="Override reason (only if a check-in rule must be overridden)",
                                      max_length=300, required=False)


class CompleteForm(forms.Form):
    override_reason = forms.CharField(label="Override reason (only if the visit has not started yet)",
                                      max_length=300, required=False)


class EscortForm(forms.Form):
    name = forms.CharField(label="Escort's name", max_length=120)
    phone = forms.CharField(label="Escort's phone", max_length=32)
    relationship = forms.CharField(label="Relationship", max_length=60, required=False)
    confirmed_adult = forms.BooleanField(label="An adult who will take the patient home (confirmed)")

    def clean_phone(self) -> str:
        return parse_mobile(self.cleaned_data["phone"])


class BlockForm(forms.Form):
    what = forms.ChoiceField(label="Chair, room or staff member")
    day = forms.DateField(label="Day", widget=DATE)
    start_time = forms.TimeField(label="From", required=False, widget=TIME)
    end_time = forms.TimeField(label="Until", required=False, widget=TIME)
    reason = forms.CharField(label="Reason (shown on the calendar)", max_length=200)

    def __init__(self, *args, location: Location, **kwargs):
        super().__init__(*args, **kwargs)
        resources = Resource.objects.filter(location=location, active=True).order_by("kind", "name")
        staff = clinical_staff(location=location)
        self.fields["what"].choices = (
            [(f"resource-{r.pk}", f"{r.name} ({r.get_kind_display().lower()})") for r in resources]
            + [(f"staff-{m.pk}", m.display_name) for m in staff])
        self._resources = {f"resource-{r.pk}": r for r in resources}
        self._staff = {f"staff-{m.pk}": m for m in staff}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if (start is None) != (end is None):
            raise forms.ValidationError("Give both times, or neither to block the whole day.")
        if start and end and start >= end:
            raise forms.ValidationError("The block must end after it starts.")
        return data

    def holder(self) -> tuple[Resource | None, StaffMember | None]:
        key = self.cleaned_data["what"]
        return self._resources.get(key), self._staff.get(key)
