import os

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


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
    return f"database: {connection.vendor} ({connection.settings_dict['NAME']}); broker: {os.environ.get('REDIS_URL') or 'file-system'}"
