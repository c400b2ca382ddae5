"""Patient records made from the pages: by the front desk for a caller, and by a new patient
booking online, whose record becomes theirs only once they prove the mobile number with a
one-time code (accounts.services).

Nothing a visitor sees before that proof may depend on whether the number is already a
patient's (no account enumeration). So the time is always held for a *draft* record built from
what the visitor typed, whatever the number; the code goes to the number through the sign-in
service (which only messages numbers on record). A draft carries the phone and email only when
no other record has them, so it never breaks another patient's sign-in. After the code:
- the number was the draft's: the draft is the patient, and the hold becomes the booking;
- the number was an existing patient's with the same date of birth (or an unclaimed draft):
  the visit is booked for that record and the draft's hold released;
- otherwise the number belongs to someone else: nothing is booked.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.services import Action, record
from care.services import record_escort
from core.errors import Conflict, Unprocessable
from notifications.consent import grant_sms_consent
from scheduling.models import Appointment, AppointmentStatus as S, Patient, Service
from scheduling.services.booking import book_appointment, convert_hold
from scheduling.services.transitions import cancel_appointment

# A record whose appointments are all in these never had a visit: an abandoned draft.
_NEVER_BOOKED = (S.HELD, S.EXPIRED, S.CANCELLED)


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    phone: str  # E.164
    email: str
    state: str
    language: str
    time_zone: str
    sms_consent: bool

    def as_session(self) -> dict:
        data = asdict(self)
        data["date_of_birth"] = self.date_of_birth.isoformat()
        return data

    @classmethod
    def from_session(cls, data: dict) -> PatientDetails:
        return cls(**{**data, "date_of_birth": dt.date.fromisoformat(data["date_of_birth"])})


class PhoneOnFile(Unprocessable):
    code = "phone_on_file"


def create_patient(*, details: PatientDetails, consent_source: str, actor=None) -> Patient:
    """A new record (the front desk's "new caller"). Consent given here is recorded with its source."""
    patient = Patient(legal_first_name=details.first_name.strip(), legal_last_name=details.last_name.strip(),
                      date_of_birth=details.date_of_birth, phone=details.phone, email=details.email.strip(),
                      state=details.state, language=details.language, time_zone=details.time_zone)
    _validate(patient)
    with transaction.atomic():
        patient.save()
        record(action=Action.CREATE, target=patient, actor=actor, summary=f"patient record created ({consent_source})")
        if details.sms_consent and details.phone:
            grant_sms_consent(patient=patient, source=consent_source,
                              detail=f"Recorded by {actor.get_username()}" if actor else "")
    return patient


def _validate(patient: Patient) -> None:
    try:
        patient.full_clean(exclude=["user"])
    except ValidationError as exc:
        first = next(iter(exc.message_dict.values()))[0]
        raise Unprocessable(first, code="invalid_patient") from None


def _taken(field: str, value: str, *, besides: int | None) -> bool:
    if not value:
        return False
    lookup = {"phone": value} if field == "phone" else {"email__iexact": value}
    return Patient.objects.filter(**lookup).exclude(pk=besides).exists()


def save_draft(*, details: PatientDetails, draft_id: int | None = None) -> Patient:
    """The draft record an unverified visitor's hold is made for (the visitor's earlier draft in
    this session is reused). It has its own patient user, so every booking rule that binds
    patients binds this hold too; nobody can sign in as it until the code is entered."""
    with transaction.atomic():
        draft = None
        if draft_id is not None:
            draft = Patient.objects.select_for_update().select_related("user").filter(pk=draft_id).first()
            if draft is None or not is_unclaimed(draft):
                draft = None
        draft = draft or Patient()
        draft.legal_first_name = details.first_name.strip()
        draft.legal_last_name = details.last_name.strip()
        draft.date_of_birth = details.date_of_birth
        draft.phone = "" if _taken("phone", details.phone, besides=draft.pk) else details.phone
        draft.email = "" if _taken("email", details.email, besides=draft.pk) else details.email.strip()
        draft.state, draft.language, draft.time_zone = details.state, details.language, details.time_zone
        _validate(draft)
        if draft.user_id is None:
            user = User(username=f"patient-{secrets.token_hex(6)}", role=Role.PATIENT, email=draft.email,
                        first_name=draft.legal_first_name, last_name=draft.legal_last_name)
            user.set_unusable_password()
            user.save()
            draft.user = user
        created = draft.pk is None
        draft.save()
        record(action=Action.CREATE if created else Action.CHANGE, target=draft, summary="draft record, online booking")
        return draft


def is_unclaimed(patient: Patient) -> bool:
    """Nobody has ever signed in as this record and it never had a visit: a draft someone left."""
    user = patient.user
    if user is not None and user.last_login is not None:
        return False
    return not Appointment.objects.filter(patient=patient).exclude(status__in=_NEVER_BOOKED).exists()


def record_for_code(*, phone: str) -> tuple[Patient | None, bool]:
    """The record a sign-in code for `phone` opens, and whether it is an unclaimed draft. Read
    before the code is checked, because checking it signs the record in."""
    matches = list(Patient.objects.filter(phone=phone).select_related("user")[:2])
    if len(matches) != 1:
        return None, False
    return matches[0], is_unclaimed(matches[0])


def finish_online_booking(*, draft: Patient, hold: Appointment, verified: Patient, verified_was_unclaimed: bool,
                          details: PatientDetails, now: dt.datetime | None = None) -> Appointment:
    """Book the held time for the record the visitor proved is theirs (see the module docstring)."""
    now = now or timezone.now()
    user = verified.user
    if verified.pk != draft.pk:
        if verified_was_unclaimed:
            _take_over(verified, details)
        elif verified.date_of_birth != details.date_of_birth:
            release_hold(hold=hold, actor=draft.user)
            raise PhoneOnFile("This mobile number is on file for another patient, so we could not book online. "
                              "Please call the clinic and we will book you.")
    with transaction.atomic():
        if verified.pk == draft.pk:
            appointment = _book_hold(hold=hold, patient=verified, actor=user, now=now)
        else:
            # The time moves from the draft to the verified record in one transaction.
            release_hold(hold=hold, actor=draft.user)
            appointment = book_appointment(patient=verified, service=hold.service, location=hold.location,
                                           start=hold.start, actor=user, now=now)
        if details.sms_consent and not verified.sms_consent and verified.phone:
            grant_sms_consent(patient=verified, source=Patient.ConsentSource.WEB_FORM,
                              detail="SMS consent box on the online booking form")
        return appointment


def _book_hold(*, hold: Appointment, patient: Patient, actor, now: dt.datetime) -> Appointment:
    """The hold becomes the booking; a hold that lapsed meanwhile is booked afresh if the time is still free."""
    try:
        return convert_hold(hold=hold, patient=patient, actor=actor, now=now)
    except Conflict as conflict:
        if conflict.code not in ("hold_expired", "hold_not_live"):
            raise
    return book_appointment(patient=patient, service=hold.service, location=hold.location, start=hold.start,
                            actor=actor, now=now)


def confirm_hold(*, hold: Appointment, patient: Patient, sms_consent: bool, escort: tuple[str, str] | None = None,
                 now: dt.datetime | None = None) -> Appointment:
    """A signed-in patient confirms the time they hold (and may give SMS consent on the way, and
    the adult who takes them home: `escort` (name, phone), recorded with the booking)."""
    with transaction.atomic():
        appointment = _book_hold(hold=hold, patient=patient, actor=patient.user, now=now or timezone.now())
        if escort is not None:
            record_escort(appointment=appointment, name=escort[0], phone=escort[1], confirmed_adult=True,
                          actor=patient.user)
        if sms_consent and not patient.sms_consent and patient.phone:
            grant_sms_consent(patient=patient, source=Patient.ConsentSource.WEB_FORM,
                              detail="SMS consent box on the online booking form")
        return appointment


def release_hold(*, hold: Appointment, actor) -> None:
    """Give a held time back (a lost race, a visitor starting over). A hold no longer live is left alone."""
    hold.refresh_from_db(fields=["status"])
    if hold.status == S.HELD:
        cancel_appointment(appointment=hold, actor=actor, reason="Released by the online booking page.")


def _take_over(patient: Patient, details: PatientDetails) -> None:
    """The verified owner of the number takes over a draft left with it: it becomes their record."""
    patient.legal_first_name, patient.legal_last_name = details.first_name.strip(), details.last_name.strip()
    patient.date_of_birth = details.date_of_birth
    if not _taken("email", details.email, besides=patient.pk):
        patient.email = details.email.strip()
    patient.state, patient.language, patient.time_zone = details.state, details.language, details.time_zone
    _validate(patient)
    patient.save()
    record(action=Action.CHANGE, target=patient, summary="draft record taken over by the verified owner")


def needs_sign_in_for(service: Service) -> bool:
    """Dosing visits need a clinician's clearance on the patient's record, so only a signed-in
    patient can book them online (a visitor's draft never has one)."""
    return service.is_dosing
