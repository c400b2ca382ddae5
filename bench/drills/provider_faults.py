"""Drill: the SMS provider answers 500s and times out for a while, and refuses some numbers.

Due reminders go out through beat, the dispatcher and a worker to the fake Twilio, which first
hangs past the SDK's timeout on two texts (without taking them), then answers 500 to every text
for FAULT_WINDOW_S. The dispatcher must back off (a batch stops at the first sign of trouble and
its rows wait 30 s, 1 min, ...; a timed-out text is looked up before it is sent again) and then
deliver everything exactly once. Two numbers are refused as invalid (Twilio 21211, permanent):
those rows fail at once, with the reason, and are listed for the front desk
(GET /api/v1/messages/failed, notifications.selectors.failed_messages).

    python -m bench.drills.provider_faults
"""

from __future__ import annotations

import time

import requests

from bench.drills import clinic
from bench.drills.outcome import DrillResult, log, run_drill
from bench.drills.servers import throwaway_postgres, throwaway_redis
from bench.drills.stack import app_env, Stack, wait_until

NAME = "provider_faults"
TITLE = "SMS provider answering 500s and timeouts"
REMINDERS = 40
FAULT_WINDOW_S = 15
TIMEOUTS = 2
HANG_S = 12  # past the SDK's 10 s timeout
REFUSED = ["+16025000003", "+16025000007"]  # reminders' seed numbers patients +16025<n:06d>


def _failed_for_desk(base_url: str, token: str) -> list[dict]:
    response = requests.get(f"{base_url}/api/v1/messages/failed", headers={"Authorization": f"Token {token}"},
                            timeout=30)
    response.raise_for_status()
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def _drill(result: DrillResult) -> None:
    with throwaway_postgres() as pg, throwaway_redis() as redis:
        url = pg.create_database("drill")
        clinic.due_reminders(url, count=REMINDERS)
        token = clinic.admin_token(url)
        with Stack(database_url=url, redis_url=redis.url) as stack:
            fake = stack.fake_twilio()
            fake.refuse(REFUSED)
            fake.fail(count=TIMEOUTS, hang=HANG_S)
            fake.fail(seconds=FAULT_WINDOW_S + HANG_S, status=500)
            started = time.monotonic()
            stack.env = app_env(fake_url=fake.url)
            web = stack.gunicorn(workers=1)
            stack.worker(concurrency=2)
            stack.beat()
            window_ends = started + FAULT_WINDOW_S + HANG_S
            time.sleep(max(0.0, window_ends - time.monotonic()))
            faults_in_window = fake.stats()["faults"]
            received_in_window = fake.stats()["received"]
            log(f"fault window over: {faults_in_window} failures served, {received_in_window} texts taken", drill=NAME)
            expected = REMINDERS - len(REFUSED)
            settled_s = wait_until(
                lambda: fake.stats()["distinct"] >= expected
                and (lambda box: box["due_now"] == 0 and not box.get("sending"))(clinic.outbox(url)),
                timeout_s=240, what="every valid reminder to be delivered after the faults")
            time.sleep(1)
            stats = fake.stats()
            box = clinic.outbox(url)
            retried = clinic.scalar(url, "SELECT count(*) FROM notifications_outboundmessage "
                                         "WHERE status = 'sent' AND attempts >= 2")
            refused_rows = clinic.query(url, "SELECT to_address, status, provider_error_code, status_reason "
                                             "FROM notifications_outboundmessage WHERE status = 'failed' ORDER BY id")
            for_desk = _failed_for_desk(web.url, token)

    desk_numbers = sorted(row["to"] for row in for_desk)
    result.figures = {
        "reminders": REMINDERS, "refused_numbers": REFUSED, "timeouts": TIMEOUTS, "fault_window_s": FAULT_WINDOW_S,
        "faults_served_in_window": faults_in_window, "texts_taken_in_window": received_in_window,
        "delivered_after_window_s": round(settled_s, 1), "rows_sent_after_a_retry": retried,
        "provider_received": stats["received"], "provider_distinct": stats["distinct"],
        "provider_duplicates": stats["duplicates"], "outbox": box, "failed_rows": [list(r) for r in refused_rows],
        "failed_listed_for_desk": desk_numbers,
    }
    result.check("backed off while the provider failed", 0 < faults_in_window <= REMINDERS // 2,
                 f"{faults_in_window} failed attempts in {FAULT_WINDOW_S + HANG_S} s for {REMINDERS} due texts "
                 f"(no hammering), {received_in_window} taken meanwhile")
    result.check("delivered once the provider recovered", stats["distinct"] == REMINDERS - len(REFUSED)
                 and box.get("sent", 0) == REMINDERS - len(REFUSED) and retried > 0,
                 f"{stats['distinct']} of {REMINDERS - len(REFUSED)} valid reminders delivered, {retried} after a retry, "
                 f"{settled_s:.0f} s after the faults stopped")
    result.check("none twice", stats["duplicates"] == 0,
                 f"{stats['duplicates']} duplicates of {stats['received']} texts received")
    refused_ok = (sorted(r[0] for r in refused_rows) == sorted(REFUSED)
                  and all(r[1] == "failed" and r[2] == "21211" for r in refused_rows))
    result.check("invalid numbers failed permanently, with the reason", refused_ok,
                 "; ".join(f"{r[0]}: {r[1]} {r[2]} ({r[3]})" for r in refused_rows) or "no failed rows")
    result.check("failed texts are listed for the front desk", desk_numbers == sorted(REFUSED),
                 f"GET /api/v1/messages/failed lists {desk_numbers}")


def run() -> DrillResult:
    return run_drill(NAME, TITLE, _drill)


if __name__ == "__main__":
    raise SystemExit(0 if run().passed else 1)
