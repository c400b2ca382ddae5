"""The default course templates of a ketamine clinic, for a clinic to start from (seed_demo
loads them; an admin edits them like any other row).

- IV induction: 6 infusions within 21 days, at least 48 h apart; integration therapy 1-3 days
  after each infusion (book with_companions=false to leave it out); boosters every 3-4 weeks.
- Spravato induction: twice weekly for 4 weeks (2.5-5.5 days apart), then weekly for 4 weeks
  (6-9 days apart), all within 8 weeks; maintenance every 1-2 weeks.
- KAP: 6 dosing sessions about two weeks apart (12-18 days), integration 1-7 days after each
  (oral dosing) and before the next; maintenance every 1-2 months.
"""

from __future__ import annotations

from django.db import transaction

from scheduling.models import CourseStep, CourseTemplate, Service

# code, name, description, max span days, companion days, booster gap days, steps (label, visits, min h, max h)
DEFAULTS = [
    ("iv-induction", "IV induction series", "Six infusions over two to three weeks, each followed by an integration "
     "session.", "iv", 21, (1, 3), (21, 28), [("6 infusions, at least 48 hours apart", 6, 48, None)]),
    ("spravato-induction", "Spravato induction", "Twice a week for four weeks, then weekly for four weeks.",
     "spravato", 56, None, (7, 14),
     [("twice weekly for 4 weeks", 8, 60, 132), ("weekly for 4 weeks", 4, 144, 216)]),
    ("kap-series", "Ketamine-assisted psychotherapy series", "Six guided sessions about two weeks apart, with an "
     "integration session between each.", "kap", None, (1, 7), (30, 60),
     [("6 sessions about 2 weeks apart", 6, 288, 432)]),
]


@transaction.atomic
def create_default_templates(*, services: dict[str, Service | None]) -> list[CourseTemplate]:
    """Create the templates whose services are given: `services` maps "iv", "spravato", "kap",
    "integration" and "booster" to the clinic's services. Existing codes are left alone."""
    created = []
    for code, name, description, kind, span, companion, booster, steps in DEFAULTS:
        service = services.get(kind)
        if service is None or CourseTemplate.objects.filter(code=code).exists():
            continue
        template = CourseTemplate.objects.create(
            code=code, name=name, description=description, service=service, max_span_days=span,
            companion_service=services.get("integration") if companion else None,
            companion_min_days=companion[0] if companion else 1, companion_max_days=companion[1] if companion else 3,
            booster_service=services.get("booster") if kind == "iv" else None,
            booster_min_gap_days=booster[0], booster_max_gap_days=booster[1])
        CourseStep.objects.bulk_create([
            CourseStep(template=template, order=i + 1, label=label, visits=visits, min_gap_hours=low,
                       max_gap_hours=high) for i, (label, visits, low, high) in enumerate(steps)])
        created.append(template)
    return created
