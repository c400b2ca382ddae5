"""A small, bounded HTTP load generator and percentiles (re-exported by bench.support).

Clients are threads, each with its own requests.Session, all released together by a barrier.
Only loopback hosts may be called, and every run is bounded by a request count or a duration:
this is for measuring our own servers on this machine, nothing else.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_CLIENTS = 256
MAX_DURATION_S = 900
MAX_REQUESTS = 1_000_000

# fn(session, client_index, request_index) -> HTTP status (or a requests.Response).
RequestFn = Callable[[requests.Session, int, int], "int | requests.Response"]


def percentiles(samples: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99 (linear interpolation between closest ranks), min and max of `samples`."""
    values = sorted(samples)
    if not values:
        return {"p50": None, "p95": None, "p99": None, "min": None, "max": None}

    def at(q: float) -> float:
        pos = (len(values) - 1) * q
        lo = int(pos)
        hi = min(lo + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "min": values[0], "max": values[-1]}


class LoopbackSession(requests.Session):
    """A Session that refuses any host other than this machine's loopback."""

    def request(self, method, url, *args, **kwargs):
        check_loopback(url)
        return super().request(method, url, *args, **kwargs)


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"The bench only calls servers on this machine; {url!r} is not loopback.")


@dataclass
class LoadResult:
    clients: int
    elapsed_s: float
    latencies_ms: list[float]
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput_rps(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> dict:
        """JSON-able figures: counts, throughput, and latency percentiles in ms."""
        out = {"clients": self.clients, "requests": self.completed, "errors": len(self.errors),
               "elapsed_s": round(self.elapsed_s, 3), "throughput_rps": round(self.throughput_rps, 2),
               "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=str)}}
        out.update({f"{k}_ms": (round(v, 3) if v is not None else None)
                    for k, v in percentiles(self.latencies_ms).items()})
        if self.errors:
            out["first_errors"] = self.errors[:3]
        return out


def http_load(target: str | RequestFn, *, clients: int, duration_s: float | None = None,
              requests: int | None = None, timeout_s: float = 30.0) -> LoadResult:
    """Drive `target` with `clients` concurrent clients, for `duration_s` or `requests` in total.

    `target` is a loopback URL (GET) or a function fn(session, client_index, request_index)
    making one request with the given session and returning its status (or the response).
    Each call is timed; an exception counts as an error, not a latency sample."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be 1..{MAX_CLIENTS}")
    if (duration_s is None) == (requests is None):
        raise ValueError("give exactly one of duration_s or requests")
    if duration_s is not None and not 0 < duration_s <= MAX_DURATION_S:
        raise ValueError(f"duration_s must be in (0, {MAX_DURATION_S}]")
    if requests is not None and not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be 1..{MAX_REQUESTS}")
    if isinstance(target, str):
        check_loopback(target)
        url = target

        def call(session, _client, _index):
            return session.get(url, timeout=timeout_s)
    else:
        call = target

    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: list[str] = []
    start_barrier = threading.Barrier(clients + 1)
    deadline_box: list[float] = []

    def next_index() -> int | None:
        nonlocal issued
        with lock:
            if requests is not None and issued >= requests:
                return None
            if duration_s is not None and time.perf_counter() >= deadline_box[0]:
                return None
            issued += 1
            return issued - 1

    def client(index: int) -> None:
        with LoopbackSession() as session:
            start_barrier.wait()
            while (n := next_index()) is not None:
                t0 = time.perf_counter()
                try:
                    result = call(session, index, n)
                except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                    with lock:
                        errors.append(f"{exc.__class__.__name__}: {exc}"[:300])
                    continue
                elapsed_ms = (time.perf_counter() - t0) * 1000
                status = getattr(result, "status_code", result)
                with lock:
                    latencies.append(elapsed_ms)
                    statuses[status] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    t_start = time.perf_counter()
    deadline_box.append(t_start + (duration_s or 0))
    start_barrier.wait()
    for thread in threads:
        thread.join()
    return LoadResult(clients=clients, elapsed_s=time.perf_counter() - t_start, latencies_ms=latencies,
                      statuses=statuses, errors=errors)
