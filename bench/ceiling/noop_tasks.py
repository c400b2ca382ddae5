"""The Celery ceiling: how fast workers of the product's app drain no-op tasks from the broker.

N `bench.noop` messages are queued first on a queue of this call's own, which no worker
consumes yet; a worker (the product's Celery settings: acks_late, prefetch 1) is started and
made ready; then it is told to consume that queue, and the clock runs until the queue is empty
and none of its messages is still unacknowledged. Worker start-up and publishing are outside
the timed span; delivery, execution and ack are in. Other workers on the same Redis database
do not disturb the count: only this call's queue and its own unacked messages are watched.
"""

from __future__ import annotations

import json
import time
import uuid

from bench import support

DRAIN_TIMEOUT_S = 900


def _publish(app, queue: str, n_tasks: int) -> None:
    with app.producer_or_acquire() as producer:
        for _ in range(n_tasks):
            app.send_task("bench.noop", queue=queue, producer=producer)


def _in_flight(broker, queue: str) -> int:
    """Delivered but not yet acknowledged messages of `queue` (kombu keeps them in `unacked`)."""
    return sum(1 for raw in broker.hvals("unacked") if json.loads(raw)[2] == queue)


def noop_celery_throughput(n_tasks: int, concurrency: int, *, redis_url: str = support.DEFAULT_REDIS_URL,
                           database_url: str | None = None, pool: str = "prefork") -> dict:
    """Tasks/second for `n_tasks` no-op tasks through one worker with `concurrency` processes."""
    import redis
    from celery import Celery

    if not 1 <= n_tasks <= 1_000_000:
        raise ValueError("n_tasks must be 1..1,000,000")
    run_id = uuid.uuid4().hex[:8]
    queue, idle_queue = f"bench_noop_{run_id}", f"bench_noop_idle_{run_id}"
    broker = redis.Redis.from_url(redis_url)
    app = Celery("bench-noop", broker=redis_url)
    app.conf.task_serializer = "json"
    published_at = time.perf_counter()
    _publish(app, queue, n_tasks)
    publish_s = time.perf_counter() - published_at
    db_url = database_url or support.database_url("clearday_bench_ceiling")
    try:
        with support.start_celery_worker(database_url=db_url, redis_url=redis_url, concurrency=concurrency,
                                         queues=[idle_queue], pool=pool) as worker:
            t0 = time.perf_counter()
            app.control.add_consumer(queue, destination=[worker.hostname], reply=True, timeout=5)
            while broker.llen(queue) or _in_flight(broker, queue):
                if time.perf_counter() - t0 > DRAIN_TIMEOUT_S:
                    raise RuntimeError(f"{broker.llen(queue)} no-op tasks still queued after {DRAIN_TIMEOUT_S}s")
                time.sleep(0.005)
            elapsed = time.perf_counter() - t0
    finally:
        broker.delete(queue, idle_queue, *[f"_kombu.{kind}.{q}" for q in (queue, idle_queue)
                                           for kind in ("binding", "binding_permanent")])
        app.close()
    return {"tasks": n_tasks, "concurrency": concurrency, "pool": pool, "elapsed_s": round(elapsed, 3),
            "tasks_per_s": round(n_tasks / elapsed, 1), "publish_tasks_per_s": round(n_tasks / publish_s, 1)}
