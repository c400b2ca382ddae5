import importlib
import os
import re
import uuid

import pytest
from django.apps import apps
from django.db import connection

from tests.celery_worker import celery_worker_process  # noqa: F401  (a fixture for every area)

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    """Each test gets an empty cache, so throttle counts never carry over between tests (or
    between parallel runs sharing a Redis database)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": uuid.uuid4().hex}}


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _rows_the_migrations_add(request):
    """The rows a data migration adds (the default risk rules), there for every test that uses the
    database. A transactional test empties every table when it ends; in one process that never
    reached a test reading those rows (pytest-django runs transactional tests last), but the
    suite's processes (pytest-xdist) each take whole files in any order."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("django_db_setup")  # the test database, never the one DATABASE_URL names
    with request.getfixturevalue("django_db_blocker").unblock():
        from checkins.models import RiskRule

        if not RiskRule.objects.filter(kind=RiskRule.Kind.KEYWORD, location__isnull=True).exists():
            importlib.import_module("checkins.migrations.0002_default_risk_rules").add_rules(apps, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories give users passwords; the production hasher costs ~0.5 s per user here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` skip with a reason elsewhere; under CI=true that skip is a failure."""
    on_postgres = connection.vendor == "postgresql"
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if IN_CI:
                raise pytest.UsageError("CI=true but DATABASE_URL is not PostgreSQL: the PostgreSQL tests would be skipped.")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not has_redis:
            if IN_CI:
                raise pytest.UsageError("CI=true but REDIS_URL is not set: the Redis tests would be skipped.")
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))


def pytest_report_header(config):
    """CI's log shows what the suite ran on."""
    from django.conf import settings

    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis"):
        broker = "Redis " + re.sub(r"//[^@/]*@", "//***@", broker)
    else:
        broker = "file-system broker " + settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
    database = connection.settings_dict
    test_database = database["TEST"].get("NAME") or f"test_{database['NAME']}"
    return f"database: {connection.vendor} {test_database}; broker: {broker}"
