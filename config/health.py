"""Liveness and readiness. /readyz names the part that is down so an operator knows where to look."""

import os

from django.db import connection, DatabaseError
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from api.problems import problem_body, PROBLEM_CONTENT_TYPE
from config.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 3


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> str | None:
    """None when the database answers and every migration is applied, else what is wrong."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return f"unreachable ({exc.__class__.__name__})"
    if pending:
        return f"has {len(pending)} unapplied migration(s)"
    return None


def check_broker() -> str | None:
    """None when a connection to the Celery broker opens, else what is wrong."""
    conf = celery_app.conf
    if conf.broker_url.startswith("filesystem"):
        options = conf.broker_transport_options or {}
        for key in ("data_folder_in", "data_folder_out"):
            folder = options.get(key, "")
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                return f"unreachable (folder {folder!r} is missing or read-only)"
        return None
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; its kind is reported
        return f"unreachable ({exc.__class__.__name__})"
    return None


@never_cache
@require_GET
def readyz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    failing = {name: problem for name, problem in checks.items() if problem}
    results = {name: (problem or "ok") for name, problem in checks.items()}
    if not failing:
        return JsonResponse({"status": "ok", "checks": results})
    detail = " ".join(f"The {name} is {problem}." if problem.startswith("unreachable") else f"The {name} {problem}."
                       for name, problem in failing.items())
    body = problem_body(503, "not_ready", detail, title="Not ready", checks=results)
    return JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)


class HealthCheckMiddleware:
    """Answers /healthz and /readyz ahead of host validation and the HTTPS redirect: load
    balancers and orchestrators probe by IP address over plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = {"/healthz": healthz, "/readyz": readyz}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        return view(request) if view is not None else self.get_response(request)
