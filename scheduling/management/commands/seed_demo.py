"""`manage.py seed_demo`: load the demo clinic (idempotent: a second run changes nothing).

    manage.py seed_demo                       the demo clinic and a few weeks of visits
    manage.py seed_demo --reset               empty the database and load it again
    manage.py seed_demo --size large          the benchmark clinic: 3 sites, ~30 staff, 20,000 visits
    manage.py seed_demo --size large --appointments 200000
                                              ten times the visits: the extra ones are older history,
                                              the next four weeks stay as busy as before
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from scheduling import timeutils
from scheduling.demo import run_seeders, showcase
from scheduling.demo.catalog import create_clinic, DEMO_PASSWORD
from scheduling.demo.history import book_visits, write_visits
from scheduling.models import Location
from scheduling.services.course_templates import create_default_templates

SIZES = {
    # weeks of visits before today and after, visits in all, visits a week in the coming weeks,
    # patients, how busy each weekday is
    "demo": {"past_weeks": 2, "ahead_weeks": 3, "appointments": 350, "upcoming_per_week": 70, "patients": 40,
             "weekday_weights": (1, 1, 1, 1, 1, 0.5, 0)},
    "large": {"past_weeks": 8, "ahead_weeks": 4, "appointments": 20_000, "upcoming_per_week": 1_700,
              "patients": 3_000, "weekday_weights": (1, 1, 1, 1, 1, 0.8, 0.6)},
}
LOGINS = ("admin (clinic admin), frontdesk (every site), desk.phoenix (Phoenix only), dr.rivera (prescriber), "
          "nurse.kim (nurse)")


class Command(BaseCommand):
    help = "Load the demo clinic: sites, rooms, staff, services, hours and a few weeks of visits."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="demo")
        parser.add_argument("--appointments", type=int, default=None,
                            help="Visits to create. Beyond the size's default the extra ones extend the history "
                                 "further into the past at the same density.")
        parser.add_argument("--reset", action="store_true",
                            help="Empty the whole database first (every table), then load the demo.")

    def handle(self, *args, size: str, appointments: int | None, reset: bool, **options):
        if settings.PRODUCTION:
            # The demo's staff logins have a published password, and --reset empties every table.
            raise CommandError("seed_demo loads demo logins with a known password; it refuses to run with "
                               "CLEARDAY_PRODUCTION set.")
        if reset:
            # The audit log goes too: flush is audit's, which only the schema's owner may run
            # (manage.py connects seed_demo as the owner when MIGRATE_DATABASE_URL is set).
            call_command("flush", interactive=False, verbosity=0)
        elif Location.objects.exists():
            self.stdout.write("The demo clinic is already loaded; nothing changed (use --reset to start over).")
            return
        spec = dict(SIZES[size])
        if appointments is not None:
            if appointments < 0:
                raise CommandError("--appointments must be zero or more.")
            per_week = spec["appointments"] / (spec["past_weeks"] + spec["ahead_weeks"])
            weeks = max(spec["past_weeks"] + spec["ahead_weeks"], math.ceil(appointments / per_week))
            spec.update(appointments=appointments, past_weeks=weeks - spec["ahead_weeks"],
                        upcoming_per_week=spec["upcoming_per_week"] * min(1.0, appointments / spec["appointments"]))

        started = time.monotonic()
        today = timezone.now().astimezone(timeutils.zone("America/Phoenix")).date()
        first_day = today - timeutils.DAY * (7 * spec["past_weeks"])
        last_day = today + timeutils.DAY * (7 * spec["ahead_weeks"] - 1)
        with transaction.atomic():
            clinic = create_clinic(size=size, today=today, patients=spec["patients"])
            services = clinic["services"]
            create_default_templates(services={
                "iv": services.get("iv-infusion"), "spravato": services.get("spravato"), "kap": services.get("kap-dosing"),
                "integration": services.get("integration"), "booster": services.get("booster-infusion")})
            run_seeders(clinic=clinic, today=today)  # the apps above scheduling: clinical records, on-call
            sites = [s for s in clinic["sites"].values() if not s.is_virtual]
            visits = rows = 0
            for block in book_visits(services=clinic["services"], sites=sites, first_day=first_day,
                                     last_day=last_day, target=spec["appointments"], today=today,
                                     upcoming_per_week=spec["upcoming_per_week"],
                                     weekday_weights=spec["weekday_weights"]):
                rows += write_visits(block, patient_ids=clinic["patients"])
                visits += len(block)
                if size == "large":
                    self.stdout.write(f"  {visits} visits so far")
            clinic["showcase"] = showcase.prepare(clinic=clinic, today=today)
            run_seeders(clinic=clinic, today=today, after_visits=True)  # the showcase day's marks
        self.stdout.write(self.style.SUCCESS(
            f"Loaded the {size} clinic: {len(clinic['sites'])} locations, {len(clinic['staff'])} staff, "
            f"{len(clinic['services'])} services, {len(clinic['patients'])} patients, {visits} visits "
            f"({rows} allocations) from {first_day} to {last_day} in {time.monotonic() - started:.1f}s."))
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'): {LOGINS}.")
        if clinic["showcase"]:
            self.stdout.write(f"Every mark of the desk's day view: {showcase.SITE} on {clinic['showcase']['day']}.")
