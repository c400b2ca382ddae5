"""Drill: Redis (broker and cache) stops while patients book.

gunicorn, a Celery worker and beat run on a throwaway PostgreSQL and Redis, sending through the
fake Twilio. Patients book (and hold, cancel, move) over HTTP while Redis is killed: every
request must still be answered without a 5xx (the outbox commits with the booking; the
at-commit nudge to a worker and the booking throttle fail soft), the new texts wait in the
outbox, and once Redis is back (empty: its queue died with it) the dispatcher sends each of
them exactly once, counted at the fake provider.

    python -m bench.drills.redis_outage
"""

from __future__ import annotations

import time

from bench import support
from bench.drills import clinic
from bench.drills.outcome import DrillResult, log, run_drill
from bench.drills.servers import throwaway_postgres, throwaway_redis
from bench.drills.stack import app_env, Stack, wait_until
from bench.scenarios import booking

NAME = "redis_outage"
TITLE = "Redis stopped during bookings"
OUTAGE_S = 15
CLIENTS = 4


def _server_errors(result: support.LoadResult) -> int:
    return sum(n for status, n in result.statuses.items() if isinstance(status, int) and status >= 500)


def _book(result: DrillResult) -> None:
    with throwaway_postgres() as pg, throwaway_redis() as redis:
        url = pg.create_database("drill")
        data = clinic.seed(url, patients=80)
        with Stack(database_url=url, redis_url=redis.url) as stack:
            fake = stack.fake_twilio()
            stack.env = app_env(fake_url=fake.url)
            web = stack.gunicorn()
            stack.worker()
            stack.beat()
            work = booking.Workload(web.url, data, seed_value=11)

            before = support.http_load(work, clients=CLIENTS, requests=24)
            wait_until(lambda: clinic.outbox(url)["due_now"] == 0 and not clinic.outbox(url).get("sending"),
                       timeout_s=90, what="texts of the bookings made before the outage")
            sent_before = fake.stats()["received"]
            first_new_row = clinic.last_outbox_id(url)
            log(f"before the outage: {before.summary()['statuses']}; {sent_before} texts at the provider", drill=NAME)

            redis.stop()
            log("Redis killed; booking for {OUTAGE_S} s".replace("{OUTAGE_S}", str(OUTAGE_S)), drill=NAME)
            during = support.http_load(work, clients=CLIENTS, duration_s=OUTAGE_S)
            time.sleep(3)  # a beat that might still have been on its way
            waiting = clinic.outbox(url, since_id=first_new_row)
            sent_during = fake.stats()["received"] - sent_before
            redis.start()
            back_at = time.monotonic()
            log(f"Redis back; outbox rows written during the outage: {waiting}", drill=NAME)

            drained_s = wait_until(
                lambda: (lambda box: box["due_now"] == 0 and not box.get("sending"))(clinic.outbox(url)),
                timeout_s=180, what="the outbox to drain after Redis came back")
            time.sleep(2)  # the last group's "sent" marks
            stats = fake.stats()
            went_out = clinic.texts_that_went_out(url)
            new_rows = clinic.outbox(url, since_id=first_new_row)
            summary = during.summary()

    booked = sum(n for key, n in work.outcomes.items() if key in ("book 201", "convert 201"))
    result.figures = {
        "clients": CLIENTS, "outage_s": OUTAGE_S, "requests_before": before.completed,
        "requests_during_outage": during.completed, "statuses_during_outage": summary["statuses"],
        "p50_ms_during_outage": summary["p50_ms"], "p95_ms_during_outage": summary["p95_ms"],
        "client_errors_during_outage": len(during.errors), "outcomes": dict(sorted(work.outcomes.items())),
        "outbox_rows_written_during_outage": waiting, "texts_at_provider_during_outage": sent_during,
        "drain_after_redis_back_s": round(drained_s, 1), "provider_received": stats["received"],
        "provider_distinct": stats["distinct"], "provider_duplicates": stats["duplicates"],
        "outbox_texts_sent": went_out, "rows_since_outage_by_status": new_rows,
        "recovered_after_s": round(time.monotonic() - back_at, 1),
    }
    result.check("no 5xx while Redis was down", _server_errors(during) == 0 and not during.errors,
                 f"{during.completed} requests, statuses {summary['statuses']}, {len(during.errors)} client errors")
    result.check("bookings succeeded during the outage", booked > 0 and during.completed > 0,
                 f"{booked} bookings (201) in all, {summary['statuses'].get('201', 0)} answers 201 during the outage")
    planned_waiting = waiting.get("planned", 0) + waiting.get("sending", 0)
    result.check("messages waited in the outbox", planned_waiting > 0 and sent_during == 0,
                 f"{planned_waiting} rows planned/claimed, {sent_during} texts reached the provider while Redis was down")
    # Counted per outbox row: each row marked sent is one text at the provider, and no row is left.
    result.check("none lost once Redis was back", stats["received"] >= went_out and new_rows["due_now"] == 0
                 and not new_rows.get("sending") and not new_rows.get("failed"),
                 f"{went_out} rows sent, {stats['received']} texts at the provider, nothing left due; "
                 f"drained {drained_s:.1f} s after Redis came back")
    result.check("none twice", stats["received"] <= went_out and stats["duplicates"] == 0,
                 f"{stats['received']} texts for {went_out} rows sent, {stats['duplicates']} identical texts")


def run() -> DrillResult:
    return run_drill(NAME, TITLE, _book)


if __name__ == "__main__":
    raise SystemExit(0 if run().passed else 1)
