"""The soak: the whole system under a realistic mix for SOAK_MINUTES (10 by default), watched for
errors, latency and memory growth, then audited.

gunicorn, a Celery worker and beat run on a fresh database on this machine's PostgreSQL (nothing
is killed here, so the shared server is fine: `clearday_bench_drills_soak`) and a throwaway
Redis, sending through the fake Twilio, whose delivery receipts come back to the web signed as
Twilio signs them. CLIENTS clients, each pausing a little between requests as people do, mix:
availability reads, bookings, holds, cancels and moves (the booking benchmark's workload), texts
from patients (C, HELP, free text) and delivery receipts, both signed. Every ~10 s the resident
memory (RSS) of the web and worker process trees is sampled (psutil); the trend is the
least-squares slope. Afterwards: the booking benchmark's audit (no double booking, no nurse over
capacity), every booking complete, each outbox row's text received once at the provider.

    python -m bench.drills.soak --minutes 2
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import threading
import time
import uuid
from collections import Counter, defaultdict

import psutil
import requests
from twilio.request_validator import RequestValidator

from bench import support
from bench.drills import clinic
from bench.drills.outcome import DrillResult, log, run_drill
from bench.drills.servers import throwaway_redis
from bench.drills.stack import app_env, Stack, wait_until
from bench.scenarios import booking
from devtools.fake_twilio import DEFAULT_AUTH_TOKEN, DEFAULT_FROM

NAME = "soak"
DB_NAME = "clearday_bench_drills_soak"
CLIENTS = 4
GUNICORN_WORKERS = 3
PATIENTS = 300
EXISTING = 150
THINK_S = (0.05, 0.4)  # pause between one client's requests
SAMPLE_EVERY_S = 10.0
MIX = (("availability", 0.45), ("booking", 0.35), ("inbound_sms", 0.10), ("status_callback", 0.10))
INBOUND_BODIES = ("C", "HELP", "Thanks, see you then", "Can I bring my sister?")
MAX_ERROR_RATE = 0.001
MAX_SECOND_HALF_GROWTH = 0.10  # of the mid-run RSS, plus MEMORY_SLACK_MB
MEMORY_SLACK_MB = 8.0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children, in MB."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total / 1024 / 1024


def slope_per_minute(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return None
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / var * 60


class MemorySampler(threading.Thread):
    def __init__(self, pids: dict[str, int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.samples: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.stop_event = threading.Event()
        self.started = time.monotonic()

    def run(self) -> None:
        while True:
            at = time.monotonic() - self.started
            for name, pid in self.pids.items():
                self.samples[name].append((round(at, 1), round(tree_rss_mb(pid), 1)))
            if self.stop_event.wait(SAMPLE_EVERY_S):
                return

    def summary(self) -> dict:
        out = {}
        for name, samples in self.samples.items():
            half = samples[len(samples) // 2:]
            out[name] = {"start_mb": samples[0][1], "mid_mb": half[0][1], "end_mb": samples[-1][1],
                         "max_mb": max(v for _, v in samples), "samples": len(samples),
                         "slope_mb_per_min": _round(slope_per_minute(samples)),
                         "second_half_slope_mb_per_min": _round(slope_per_minute(half)),
                         "series": samples}
        return out


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


class Mix:
    """One request per call, chosen by MIX; latencies are timed around the HTTP call only."""

    def __init__(self, base_url: str, data: dict, fake):
        self.url, self.data, self.fake = base_url, data, fake
        self.bookings = booking.Workload(base_url, data, seed_value=31)
        self.validator = RequestValidator(DEFAULT_AUTH_TOKEN)
        self.first_day = dt.date.fromisoformat(data["first_day"])
        self.rng = [random.Random(4000 + c) for c in range(CLIENTS)]
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.sids: list[str] = []
        self.sids_at = 0.0

    def _timed(self, kind: str, send) -> requests.Response:
        t0 = time.perf_counter()
        response = send()
        elapsed = (time.perf_counter() - t0) * 1000
        with self.lock:
            self.latency[kind].append(elapsed)
            self.statuses[f"{kind} {response.status_code}"] += 1
        return response

    def _signed(self, session, path: str, params: dict) -> requests.Response:
        signature = self.validator.compute_signature(f"{self.url}{path}", params)
        return session.post(f"{self.url}{path}", data=params, headers={"X-Twilio-Signature": signature}, timeout=60)

    def _sid(self, rng: random.Random) -> str | None:
        with self.lock:
            if time.monotonic() - self.sids_at > 15:
                self.sids_at = time.monotonic()
                with contextlib.suppress(requests.RequestException):
                    self.sids = [m["sid"] for m in self.fake.messages()[-500:]]
            return rng.choice(self.sids) if self.sids else None

    def __call__(self, session, client: int, index: int) -> int:
        rng = self.rng[client]
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        if kind == "booking":
            t0 = time.perf_counter()
            response = self.bookings(session, client, index)
            with self.lock:
                self.latency["booking"].append((time.perf_counter() - t0) * 1000)
                self.statuses[f"booking {response.status_code}"] += 1
        elif kind == "inbound_sms":
            sid = "SM" + uuid.uuid4().hex
            params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "To": DEFAULT_FROM,
                      "From": f"+1602555{rng.randrange(PATIENTS):04d}", "Body": rng.choice(INBOUND_BODIES),
                      "NumMedia": "0", "ApiVersion": "2010-04-01"}
            response = self._timed(kind, lambda: self._signed(session, "/webhooks/sms/inbound", params))
        elif kind == "status_callback" and (sid := self._sid(rng)):
            params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": "delivered", "SmsStatus": "delivered",
                      "AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01"}
            response = self._timed(kind, lambda: self._signed(session, "/webhooks/sms/status", params))
        else:
            day = self.first_day + dt.timedelta(days=rng.randrange(7))
            query = {"service": "iv", "location": self.data["location"], "start": f"{day}T00:00:00-07:00",
                     "end": f"{day + dt.timedelta(days=1)}T00:00:00-07:00"}
            token = rng.choice(self.data["patients"])[1]
            response = self._timed("availability", lambda: session.get(
                f"{self.url}/api/v1/availability", params=query, headers={"Authorization": f"Token {token}"},
                timeout=60))
        time.sleep(rng.uniform(*THINK_S))
        return response.status_code


def _soak(result: DrillResult, minutes: float) -> None:
    url = support.fresh_database(DB_NAME)
    try:
        data = clinic.seed(url, patients=PATIENTS, existing=EXISTING)
        with throwaway_redis() as redis, Stack(database_url=url, redis_url=redis.url) as stack:
            port = support.free_port()
            web_url = f"http://127.0.0.1:{port}"
            fake = stack.fake_twilio(callbacks_to=web_url)
            stack.env = {**app_env(fake_url=fake.url, public_url=web_url), "NOTIFY_DISPATCH_INTERVAL_SECONDS": "10"}
            web = stack.gunicorn(workers=GUNICORN_WORKERS, port=port)
            worker = stack.worker(concurrency=2)
            stack.beat()
            mix = Mix(web.url, data, fake)
            sampler = MemorySampler({"web": web.pid, "worker": worker.pid})
            sampler.start()
            log(f"soaking for {minutes:g} min with {CLIENTS} clients", drill=NAME)
            remaining, loads = minutes * 60, []
            while remaining > 0:
                chunk = min(remaining, 600.0)
                loads.append(support.http_load(mix, clients=CLIENTS, duration_s=chunk))
                remaining -= chunk
            sampler.stop_event.set()
            sampler.join(SAMPLE_EVERY_S + 5)
            settle_s = wait_until(lambda: (lambda box: box["due_now"] == 0 and not box.get("sending"))(
                clinic.outbox(url)), timeout_s=120, what="the outbox to settle after the soak")
            time.sleep(2)  # the last group's "sent" marks
            stats = fake.stats()
            box = clinic.outbox(url)
            went_out = clinic.texts_that_went_out(url)
        audit = booking.audit(url)
        checks = clinic.integrity(url)
    finally:
        support.drop_database(DB_NAME)

    requests_total = sum(load.completed for load in loads) + sum(len(load.errors) for load in loads)
    server_errors = sum(n for key, n in mix.statuses.items() if int(key.rsplit(" ", 1)[1]) >= 500)
    client_errors = sum(len(load.errors) for load in loads)
    error_rate = (server_errors + client_errors) / requests_total if requests_total else 1.0
    all_latencies = [v for values in mix.latency.values() for v in values]
    latency = {kind: {k: _round(v) for k, v in support.percentiles(values).items() if k in ("p50", "p95", "p99")}
               for kind, values in [("all", all_latencies), *sorted(mix.latency.items())]}
    memory = sampler.summary()
    result.figures = {
        "minutes": minutes, "clients": CLIENTS, "gunicorn_workers": GUNICORN_WORKERS, "worker_concurrency": 2,
        "requests": requests_total, "requests_per_s": round(requests_total / (minutes * 60), 2),
        "server_errors": server_errors, "client_errors": client_errors, "error_rate": round(error_rate, 5),
        "latency_ms": latency, "statuses": dict(sorted(mix.statuses.items())),
        "memory": memory, "texts_received": stats["received"], "outbox_texts_sent": went_out,
        "identical_texts": stats["duplicates"],  # same number and body: e.g. two HELP answers to one patient
        "delivery_receipts": stats["callbacks"], "outbox_after": box, "outbox_settled_s": round(settle_s, 1),
        "audit": audit, "integrity": checks,
    }
    if client_errors:
        result.figures["first_client_errors"] = loads[0].errors[:3]
    result.check("error rate", error_rate <= MAX_ERROR_RATE,
                 f"{server_errors} 5xx + {client_errors} failed requests of {requests_total} "
                 f"({100 * error_rate:.3f} %, limit {100 * MAX_ERROR_RATE:.1f} %); "
                 f"p50 {latency['all']['p50']} ms, p95 {latency['all']['p95']} ms")
    for name, figures in memory.items():
        growth = figures["end_mb"] - figures["mid_mb"]
        limit = figures["mid_mb"] * MAX_SECOND_HALF_GROWTH + MEMORY_SLACK_MB
        result.check(f"{name} memory settles", growth <= limit,
                     f"RSS {figures['start_mb']} -> {figures['end_mb']} MB (second half +{growth:.1f} MB, limit "
                     f"{limit:.1f}); slope {figures['slope_mb_per_min']} MB/min, second half "
                     f"{figures['second_half_slope_mb_per_min']} MB/min")
    result.check("zero double bookings", audit["double_bookings"] == 0 and audit["nurse_over_capacity_points"] == 0,
                 f"{audit['double_bookings']} overlapping exclusive allocations, "
                 f"{audit['nurse_over_capacity_points']} nurse over-capacity points, {audit['appointments_booked']} booked")
    result.check("every booking complete", not any(checks.values()),
                 ", ".join(f"{k} {v}" for k, v in checks.items()))
    result.check("no text sent twice, none stuck", stats["received"] == went_out and not box.get("sending")
                 and box["due_now"] == 0, f"{stats['received']} texts at the provider for {went_out} outbox rows sent; "
                 f"outbox settled {settle_s:.1f} s after the load")


def run(minutes: float = 10.0) -> DrillResult:
    return run_drill(NAME, f"Soak ({minutes:g} min)", lambda result: _soak(result, minutes))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The soak alone.")
    parser.add_argument("--minutes", type=float, default=10.0)
    raise SystemExit(0 if run(parser.parse_args().minutes).passed else 1)
