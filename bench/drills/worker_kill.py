"""Drill: a Celery worker is SIGKILLed while it is sending to a slow SMS provider.

Due reminders (the reminders scenario's seed) go out through beat, the dispatcher and one
worker to the fake Twilio, which takes SLOW_S to answer each text (it records the text first,
as Twilio would). The worker's whole process group is killed while texts are in flight, so some
rows are in doubt: handed to the provider with no answer recorded. A second worker then runs:
the dispatcher's reconciliation asks the provider about each row in doubt (found: marked sent;
not found: sent again) and puts back claims that never started. Counted at the fake provider,
every reminder arrives exactly once. bench/scenarios/reminders.py measures the same repair at
volume without a slow provider; this drill aims the kill at the moment of sending.

    python -m bench.drills.worker_kill
"""

from __future__ import annotations

import time

from bench.drills import clinic
from bench.drills.outcome import DrillResult, log, run_drill
from bench.drills.servers import throwaway_postgres, throwaway_redis
from bench.drills.stack import app_env, Stack, wait_until
from bench.scenarios import reminders

NAME = "worker_kill"
TITLE = "A worker killed mid-send"
REMINDERS = 60
SLOW_S = 0.8
KILL_AFTER = 6  # texts received at the provider before the kill


def _drill(result: DrillResult) -> None:
    with throwaway_postgres() as pg, throwaway_redis() as redis:
        url = pg.create_database("drill")
        clinic.due_reminders(url, count=REMINDERS)
        with Stack(database_url=url, redis_url=redis.url) as stack:
            fake = stack.fake_twilio()
            fake.fail(seconds=3600, hang=SLOW_S, record=True)  # slow, but every text is taken
            stack.env = app_env(fake_url=fake.url)
            victim = stack.worker(concurrency=2)
            stack.beat()
            wait_until(lambda: fake.stats()["received"] >= KILL_AFTER, timeout_s=120, every_s=0.05,
                       what="the first texts to reach the slow provider")
            in_doubt_at_kill = clinic.scalar(url, "SELECT count(*) FROM notifications_outboundmessage "
                                                  "WHERE status = 'sending' AND handed_off_at IS NOT NULL")
            victim.kill()
            killed_at = time.monotonic()
            received_at_kill = fake.stats()["received"]
            log(f"worker SIGKILLed after {received_at_kill} texts; {in_doubt_at_kill} rows handed off", drill=NAME)
            time.sleep(SLOW_S + 0.5)  # requests the dead worker had sent finish at the provider
            fake.fail(seconds=0)  # the provider is fast again
            stack.worker(concurrency=2)
            stats = reminders.wait_for_all_sent(url, fake.url, REMINDERS, timeout_s=180)
            recovery_s = time.monotonic() - killed_at
            why = reminders.reasons(url, since_id=0)
            box = clinic.outbox(url)

    confirmed = why.get("Interrupted mid-send; the provider confirms it has the message.", 0)
    resent = why.get("Interrupted mid-send and not found at the provider; sending again.", 0)
    put_back = why.get("Claimed but not picked up in time; planned again.", 0)
    result.figures = {
        "reminders": REMINDERS, "provider_delay_s": SLOW_S, "received_at_kill": received_at_kill,
        "rows_handed_off_at_kill": in_doubt_at_kill, "recovery_s": round(recovery_s, 1),
        "in_doubt_confirmed_by_provider": confirmed, "in_doubt_sent_again": resent, "claims_put_back": put_back,
        "provider_received": stats["received"], "provider_distinct": stats["distinct"],
        "provider_duplicates": stats["duplicates"], "outbox": box,
    }
    result.check("the kill left rows in doubt", in_doubt_at_kill > 0,
                 f"{in_doubt_at_kill} rows handed to the provider without an answer when the worker died")
    result.check("in-doubt rows were looked up at the provider", confirmed + resent > 0,
                 f"{confirmed} confirmed by the provider, {resent} not found and sent again, {put_back} claims put back")
    result.check("none lost", stats["distinct"] == REMINDERS and box.get("sent", 0) == REMINDERS,
                 f"{stats['distinct']} of {REMINDERS} reminders at the provider, {box.get('sent', 0)} rows sent, "
                 f"all within {recovery_s:.0f} s of the kill")
    result.check("none twice", stats["duplicates"] == 0,
                 f"{stats['duplicates']} duplicates of {stats['received']} texts received")


def run() -> DrillResult:
    return run_drill(NAME, TITLE, _drill)


if __name__ == "__main__":
    raise SystemExit(0 if run().passed else 1)
