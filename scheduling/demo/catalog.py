"""The demo clinic: sites, chairs and rooms, staff and their hours, the clinic's services with
their phases, holidays, time off and patients.

`size="demo"` is a small network (Phoenix, San Diego, telehealth; 6 chairs, 2 monitoring
rooms, 2 therapy rooms; 8 clinicians). `size="large"` is the benchmark clinic: three sites with
eight or nine chairs and rooms each and about thirty staff.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from accounts.models import Role
from scheduling.models import (
    Closure,
    HoursOverride,
    Location,
    Patient,
    Phase,
    Resource,
    Service,
    StaffMember,
    WorkingHours,
)

DEMO_PASSWORD = "clearday-demo"  # nosec B105 - the demo clinic's logins, printed by seed_demo
WEEKDAYS = range(5)

# code, name, category, modality, dosing, online, patient picks, phases
# phase: (name, minutes, staff role, usage, resource kind, present role)
SERVICES = [
    ("evaluation", "Initial evaluation", "evaluation", "either", False, True, True,
     [("Evaluation", 60, "prescriber", "exclusive", "", "")]),
    ("iv-infusion", "IV infusion session", "iv_ketamine", "in_person", True, True, False,
     [("Set-up", 15, "nurse", "exclusive", "infusion_chair", ""),
      ("Infusion", 40, "nurse", "shared", "infusion_chair", ""),
      ("Recovery", 30, "", "exclusive", "infusion_chair", "")]),
    ("spravato", "Nasal-spray treatment session", "esketamine", "in_person", True, True, False,
     [("Dosing", 15, "nurse", "exclusive", "infusion_chair", "prescriber"),
      ("Monitoring", 120, "nurse", "shared", "infusion_chair", "")]),
    ("kap-dosing", "Guided medicine session", "kap", "in_person", True, False, True,
     [("Guided session", 150, "therapist", "exclusive", "monitoring_room", "")]),
    ("preparation", "Preparation session", "preparation", "either", False, True, True,
     [("Preparation", 50, "therapist", "exclusive", "therapy_room", "")]),
    ("integration", "Integration session", "integration", "either", False, True, True,
     [("Integration", 50, "therapist", "exclusive", "therapy_room", "")]),
    ("booster-infusion", "Booster infusion", "iv_ketamine", "in_person", True, True, False,
     [("Set-up", 15, "nurse", "exclusive", "infusion_chair", ""),
      ("Infusion", 40, "nurse", "shared", "infusion_chair", ""),
      ("Recovery", 30, "", "exclusive", "infusion_chair", "")]),
    ("med-management", "Medication follow-up", "medication_management", "either", False, True, True,
     [("Follow-up", 30, "prescriber", "exclusive", "", "")]),
]

# What each service is, in a sentence a patient reads on the booking page (web/wording.py marks
# them for translation): no two alike, so the list tells the visits apart.
DESCRIPTIONS = {
    "evaluation": "Your first visit, in person or by video: an hour with a prescriber about your health, your "
                  "history and whether treatment is right for you. Every treatment starts here.",
    "iv-infusion": "One visit of an infusion series: you rest in a recliner for about 40 minutes of infusion "
                   "with a nurse nearby, then recover in the chair until you feel ready to go home.",
    "spravato": "A nasal-spray treatment at a certified clinic: you use the spray with a nurse beside you, then "
                "rest for at least two hours while we keep an eye on you.",
    "kap-dosing": "A guided session of about two and a half hours with your therapist in a quiet private room.",
    "preparation": "A talk with your therapist before treatment: what will happen, and what you hope for.",
    "integration": "A talk with your therapist after a treatment, to make sense of the experience and bring it "
                   "into daily life.",
    "booster-infusion": "A single infusion weeks after a finished series, to keep the benefit; for patients "
                        "who have completed a series.",
    "med-management": "A short check-in with your prescriber, in person or by video, about how your treatment "
                      "and medicines are going.",
}

DOSING_PREP = ("No solid food for 6 hours before your visit; clear liquids are fine until 2 hours before. "
               "Bring an adult who will drive you home: no driving until the next day after sleep. "
               "Wear comfortable clothes.")
DOSING_PREP_ES = ("No coma alimentos sólidos 6 horas antes de su cita; puede tomar líquidos claros hasta 2 horas "
                  "antes. Venga con un adulto que le lleve a casa: no maneje hasta el día siguiente después de "
                  "dormir. Use ropa cómoda.")
SPRAY_PREP = ("No food for 2 hours and no liquids for 30 minutes before your visit. Use any nasal steroid or "
              "decongestant at least 1 hour before. Bring an adult who will drive you home.")
SPRAY_PREP_ES = ("No coma durante 2 horas ni beba líquidos 30 minutos antes de su cita. Use cualquier esteroide "
                 "o descongestionante nasal al menos 1 hora antes. Venga con un adulto que le lleve a casa.")

FIRST_NAMES = ["Ana", "Ben", "Carla", "Diego", "Emma", "Felix", "Grace", "Hector", "Iris", "Jamal", "Kara", "Luis",
               "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wendy", "Ximena",
               "Yusuf", "Zoe"]
LAST_NAMES = ["Alvarez", "Brooks", "Castillo", "Dawson", "Esposito", "Flores", "Garcia", "Hughes", "Ibarra",
              "Jensen", "Khan", "Lopez", "Morales", "Nguyen", "Ortega", "Price", "Quintero", "Reyes", "Silva",
              "Torres", "Underwood", "Vargas", "Walsh", "Young", "Zamora"]


@dataclass
class StaffSpec:
    username: str
    name: str
    roles: list[str]
    sites: list[str]
    languages: list[str]
    states: list[str]
    zone: str
    # (weekdays, start hour, end hour, site name or None for "video and any of their sites")
    hours: list[tuple[range | tuple[int, ...], int, int, str | None]]


def _site_specs(size: str) -> list[tuple[str, str, str, str, dict[str, int], bool]]:
    """name, zone, state, address, resources by kind, virtual."""
    if size == "large":
        return [
            ("Phoenix", "America/Phoenix", "AZ", "2200 N Central Ave, Phoenix, AZ 85004",
             {"infusion_chair": 6, "monitoring_room": 1, "therapy_room": 2}, False),
            ("San Diego", "America/Los_Angeles", "CA", "3900 5th Ave, San Diego, CA 92103",
             {"infusion_chair": 6, "monitoring_room": 1, "therapy_room": 2}, False),
            ("Tucson", "America/Phoenix", "AZ", "1200 E Speedway Blvd, Tucson, AZ 85719",
             {"infusion_chair": 6, "monitoring_room": 1, "therapy_room": 2}, False),
            ("Telehealth", "America/Phoenix", "", "", {}, True),
        ]
    return [
        ("Phoenix", "America/Phoenix", "AZ", "2200 N Central Ave, Phoenix, AZ 85004",
         {"infusion_chair": 4, "monitoring_room": 1, "therapy_room": 1}, False),
        ("San Diego", "America/Los_Angeles", "CA", "3900 5th Ave, San Diego, CA 92103",
         {"infusion_chair": 2, "monitoring_room": 1, "therapy_room": 1}, False),
        ("Telehealth", "America/Phoenix", "", "", {}, True),
    ]


def _staff_specs(size: str) -> list[StaffSpec]:
    base = [
        StaffSpec("dr.rivera", "Dr. Elena Rivera", ["prescriber"], ["Phoenix", "San Diego", "Telehealth"],
                  ["en", "es"], ["AZ", "CA"], "America/Phoenix",
                  [((0, 2, 4), 8, 16, "Phoenix"), ((1, 3), 9, 17, "San Diego"), ((0, 2), 16, 18, "Telehealth")]),
        StaffSpec("dr.chen", "Dr. Marcus Chen", ["prescriber"], ["San Diego", "Telehealth"], ["en"], ["CA"],
                  "America/Los_Angeles", [(WEEKDAYS, 9, 17, None)]),
        StaffSpec("nurse.kim", "Nurse Jordan Kim", ["nurse"], ["Phoenix"], ["en"], ["AZ"], "America/Phoenix",
                  [(WEEKDAYS, 8, 18, None), ((5,), 9, 13, None)]),
        StaffSpec("nurse.ortiz", "Nurse Gabriela Ortiz", ["nurse"], ["Phoenix"], ["en", "es"], ["AZ"],
                  "America/Phoenix", [(WEEKDAYS, 8, 18, None)]),
        StaffSpec("nurse.patel", "Nurse Sam Patel", ["nurse"], ["San Diego"], ["en"], ["CA"], "America/Los_Angeles",
                  [(WEEKDAYS, 9, 17, None)]),
        StaffSpec("t.morgan", "Alex Morgan, LPC", ["therapist"], ["Phoenix", "Telehealth"], ["en"], ["AZ"],
                  "America/Phoenix", [((0, 1, 2, 3), 9, 17, None)]),
        StaffSpec("t.fernandez", "Lucía Fernández, LMFT", ["therapist"], ["San Diego", "Telehealth"], ["en", "es"],
                  ["CA", "AZ"], "America/Los_Angeles", [(WEEKDAYS, 10, 18, None)]),
        StaffSpec("t.lee", "Riley Lee, PsyD", ["therapist"], ["Telehealth"], ["en"], ["CA"], "America/Los_Angeles",
                  [(WEEKDAYS, 8, 16, "Telehealth")]),
    ]
    if size != "large":
        return base
    extra: list[StaffSpec] = []
    rng = random.Random(7)
    plan = [("Tucson", "America/Phoenix", "AZ", {"prescriber": 2, "nurse": 4, "therapist": 3}),
            ("Phoenix", "America/Phoenix", "AZ", {"prescriber": 2, "nurse": 2, "therapist": 2}),
            ("San Diego", "America/Los_Angeles", "CA", {"prescriber": 2, "nurse": 2, "therapist": 2}),
            ("Telehealth", "America/Los_Angeles", "CA", {"therapist": 2})]
    for site, zone, state, roles in plan:
        for role, count in roles.items():
            for n in range(count):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                username = f"{role[:5]}.{site.lower().replace(' ', '')}{n + 1}"
                title = {"prescriber": "Dr. ", "nurse": "Nurse "}.get(role, "")
                start = 7 + (n % 3)
                days = tuple(d for d in range(7) if d != (n + len(extra)) % 7)  # six days, one off in turn
                extra.append(StaffSpec(username, f"{title}{first} {last}", [role], [site],
                                       rng.choice([["en"], ["en", "es"]]), [state] if role != "therapist" else ["AZ", "CA"],
                                       zone, [(days, start, start + 11, None)]))
    return base + extra


def _location_hours(size: str, name: str) -> list[tuple[range | tuple[int, ...], int, int]]:
    if name == "Telehealth":
        return []
    if size == "large":
        return [(range(7), 7, 20)]
    if name == "Phoenix":
        return [(WEEKDAYS, 8, 18), ((5,), 9, 13)]
    return [(WEEKDAYS, 9, 17)]


def us_holidays(year: int) -> list[tuple[dt.date, str]]:
    def nth_weekday(month: int, weekday: int, n: int) -> dt.date:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))

    last_may = dt.date(year, 5, 31)
    return [
        (dt.date(year, 1, 1), "New Year's Day"),
        (last_may - dt.timedelta(days=last_may.weekday()), "Memorial Day"),
        (dt.date(year, 7, 4), "Independence Day"),
        (nth_weekday(9, 0, 1), "Labor Day"),
        (nth_weekday(11, 3, 4), "Thanksgiving"),
        (dt.date(year, 12, 25), "Christmas Day"),
    ]


def create_clinic(*, size: str, today: dt.date, patients: int) -> dict:
    """Write the clinic for `size` and return its objects by name."""
    User = get_user_model()
    # One hash for every demo login: hashing is deliberately slow, and thirty of them add up.
    password = make_password(DEMO_PASSWORD)
    admin = User.objects.create(username="admin", email="admin@clearday.example", password=password, role=Role.ADMIN,
                                first_name="Clinic", last_name="Admin", is_staff=True, is_superuser=True)
    desk = User.objects.create(username="frontdesk", email="frontdesk@clearday.example", password=password,
                               role=Role.FRONT_DESK, first_name="Front", last_name="Desk")

    sites: dict[str, Location] = {}
    resources: list[Resource] = []
    for name, zone, state, address, kinds, virtual in _site_specs(size):
        sites[name] = Location.objects.create(name=name, time_zone=zone, state=state, address=address,
                                              phone="" if virtual else "+16025550100", is_virtual=virtual,
                                              rems_certified=not virtual)
        for kind, count in kinds.items():
            label = {"infusion_chair": "Chair", "monitoring_room": "Monitoring room", "therapy_room": "Therapy room"}
            resources += [Resource(location=sites[name], kind=kind, name=f"{label[kind]} {n + 1}")
                          for n in range(count)]
    Resource.objects.bulk_create(resources)

    # The desk works every site, video visits included, so its calendar and API show them all.
    StaffMember.objects.create(user=desk, display_name="Front Desk", roles=["front_desk"]).locations.set(sites.values())
    # A desk at one site, as most are: it sees Phoenix's patients and visits (and new callers), not San Diego's.
    phoenix_desk = User.objects.create(username="desk.phoenix", email="desk.phoenix@clearday.example",
                                       password=password, role=Role.FRONT_DESK, first_name="Phoenix", last_name="Desk")
    StaffMember.objects.create(user=phoenix_desk, display_name="Phoenix Desk", roles=["front_desk"]).locations.set(
        [sites["Phoenix"]])

    hours: list[WorkingHours] = []
    for name, site in sites.items():
        for days, start, end in _location_hours(size, name):
            hours += [WorkingHours(location=site, weekday=d, start_time=dt.time(start), end_time=dt.time(end))
                      for d in days]
    staff: dict[str, StaffMember] = {}
    for spec in _staff_specs(size):
        first, _, last = spec.name.replace("Dr. ", "").replace("Nurse ", "").partition(" ")
        user = User.objects.create(username=spec.username, email=f"{spec.username}@clearday.example",
                                   password=password, role=Role.CLINICIAN, first_name=first,
                                   last_name=last.split(",")[0])
        member = StaffMember.objects.create(user=user, display_name=spec.name, roles=spec.roles,
                                            languages=spec.languages, licensed_states=spec.states,
                                            time_zone=spec.zone, watch_capacity=3 if "nurse" in spec.roles else 1)
        member.locations.set([sites[s] for s in spec.sites])
        staff[spec.username] = member
        for days, start, end, where in spec.hours:
            hours += [WorkingHours(staff=member, weekday=d, start_time=dt.time(start), end_time=dt.time(end),
                                   location_for_staff=sites[where] if where else None) for d in days]
    WorkingHours.objects.bulk_create(hours)

    in_person = [s for s in sites.values() if not s.is_virtual]
    Closure.objects.bulk_create([
        Closure(location=site, start_date=day, end_date=day, reason=reason)
        for year in (today.year - 2, today.year - 1, today.year, today.year + 1)
        for day, reason in us_holidays(year) for site in in_person
    ])
    off_day = today + dt.timedelta(days=(7 - today.weekday()) % 7 + 8)  # a Tuesday, next week but one
    HoursOverride.objects.bulk_create([
        HoursOverride(staff=staff["nurse.kim"], date=off_day, kind="unavailable", reason="Vacation"),
        HoursOverride(staff=staff["dr.rivera"], date=off_day + dt.timedelta(days=2), kind="unavailable",
                      start_time=dt.time(12), end_time=dt.time(16), reason="Conference"),
        HoursOverride(resource=Resource.objects.get(location=sites["Phoenix"], name="Chair 1"),
                      date=off_day + dt.timedelta(days=1), kind="unavailable", start_time=dt.time(8),
                      end_time=dt.time(12), reason="Pump maintenance"),
        HoursOverride(staff=staff["t.morgan"], date=off_day + dt.timedelta(days=3), kind="available",
                      start_time=dt.time(9), end_time=dt.time(13), reason="Extra Friday morning"),
    ])

    services: dict[str, Service] = {}
    for code, name, category, modality, dosing, online, picks, phases in SERVICES:
        prep, prep_es = ((SPRAY_PREP, SPRAY_PREP_ES) if category == "esketamine"
                         else (DOSING_PREP, DOSING_PREP_ES) if dosing else ("", ""))
        service = Service.objects.create(
            code=code, name=name, category=category, modality=modality, is_dosing=dosing, bookable_online=online,
            patient_chooses_staff=picks, prep_instructions=prep, prep_instructions_es=prep_es,
            description=DESCRIPTIONS[code],
            min_notice_minutes=24 * 60 if category == "esketamine" else 120, horizon_days=90,
            buffer_after_minutes=10 if category in ("iv_ketamine", "esketamine", "kap") else 0)
        service.locations.set(in_person if modality != "video" else [])
        Phase.objects.bulk_create([
            Phase(service=service, order=i + 1, name=p[0], duration_minutes=p[1], staff_role=p[2], staff_usage=p[3],
                  resource_kind=p[4], present_role=p[5]) for i, p in enumerate(phases)])
        services[code] = service

    rng = random.Random(11)
    consent_at = dt.datetime.combine(today - dt.timedelta(days=120), dt.time(17), tzinfo=dt.UTC)
    records = []
    for n in range(patients):
        spanish = rng.random() < 0.25
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        state = rng.choice(["AZ", "AZ", "CA"])
        records.append(Patient(
            legal_first_name=first, legal_last_name=last, date_of_birth=dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
            phone=f"+1{'602' if state == 'AZ' else '619'}555{n % 10000:04d}", email=f"patient{n + 1}@example.com",
            time_zone="America/Phoenix" if state == "AZ" else "America/Los_Angeles", language="es" if spanish else "en",
            state=state, sms_consent=n % 3 != 0, sms_consent_at=consent_at if n % 3 else None,
            sms_consent_source="web_form" if n % 3 else ""))
    Patient.objects.bulk_create(records)
    return {"admin": admin, "sites": sites, "staff": staff, "services": services,
            "patients": list(Patient.objects.order_by("id").values_list("id", flat=True))}
