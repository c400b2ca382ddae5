"""Settings come from the environment; with nothing set, the embedded defaults run everything."""

import subprocess
import sys
import textwrap

from django.conf import settings

from tests.foundation.subprocess_env import environment, PRODUCTION, run_python, settings_json


def test_with_nothing_set_the_database_is_sqlite_in_the_data_folder(tmp_path):
    database = settings_json('s.DATABASES["default"]', data_dir=tmp_path)

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "clearday.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_the_embedded_sqlite_runs_in_wal_mode_and_takes_the_write_lock_at_begin(tmp_path):
    code = textwrap.dedent("""
        import sqlite3, django
        django.setup()
        from django.db import connection, transaction
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            print(cursor.fetchone()[0])
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        with transaction.atomic():  # nothing written yet: only IMMEDIATE holds the lock here
            try:
                other.execute("BEGIN IMMEDIATE")
                print("other writer got in")
            except sqlite3.OperationalError as exc:
                print(exc)
    """)
    result = run_python(code, data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["wal", "database is locked"]


def test_with_nothing_set_celery_uses_a_file_system_broker_in_the_data_folder(tmp_path):
    broker = settings_json("[s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS, s.CELERY_RESULT_BACKEND, "
                           "s.CACHES['default']['BACKEND']]", data_dir=tmp_path)

    url, options, results, cache = broker
    assert url.startswith("filesystem://")
    assert options["data_folder_in"] == options["data_folder_out"] == str(tmp_path / "broker")
    assert (results, cache) == (None, "django.core.cache.backends.filebased.FileBasedCache")
    assert (tmp_path / "broker").is_dir()


def test_database_url_selects_postgresql(tmp_path):
    database = settings_json('s.DATABASES["default"]', data_dir=tmp_path,
                             DATABASE_URL="postgres://clearday:secret@db.internal:5433/clearday")

    assert (database["ENGINE"], database["NAME"], database["USER"], database["HOST"], database["PORT"]) == (
        "django.db.backends.postgresql", "clearday", "clearday", "db.internal", 5433)
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["connect_timeout"] == 5
    assert database["OPTIONS"] == {"connect_timeout": 5}  # Django's defaults: nothing prepared, client-side binding


def test_a_sqlite_database_url_keeps_wal_and_immediate(tmp_path):
    database = settings_json('s.DATABASES["default"]', data_dir=tmp_path,
                             DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")

    assert database["NAME"] == str(tmp_path / "other.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_redis_url_selects_redis_for_the_broker_results_and_cache(tmp_path):
    values = settings_json("[s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.CACHES['default']]", data_dir=tmp_path,
                           REDIS_URL="redis://cache.internal:6380/2")

    assert values == ["redis://cache.internal:6380/2", "redis://cache.internal:6380/2",
                      {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://cache.internal:6380/2",
                       "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 2}}]


def test_messages_hosts_and_time_zone_come_from_the_environment(tmp_path):
    values = settings_json("[s.SMS_BACKEND, s.EMAIL_BACKEND, s.TIME_ZONE, s.ALLOWED_HOSTS]", data_dir=tmp_path,
                           SMS_BACKEND="notifications.channels.sms.LocmemSmsBackend",
                           EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                           TIME_ZONE="America/Phoenix", ALLOWED_HOSTS="a.example, b.example")

    assert values == ["notifications.channels.sms.LocmemSmsBackend", "django.core.mail.backends.smtp.EmailBackend",
                      "America/Phoenix", ["a.example", "b.example"]]


def test_celery_is_set_up_for_reliable_delivery(tmp_path):
    values = settings_json("[s.CELERY_TASK_ACKS_LATE, s.CELERY_TASK_REJECT_ON_WORKER_LOST, "
                           "s.CELERY_WORKER_PREFETCH_MULTIPLIER, s.CELERY_TASK_SERIALIZER]", data_dir=tmp_path)

    assert values == [True, True, 1, "json"]


def test_production_refuses_to_start_without_a_secret_key_or_hosts(tmp_path):
    no_key = run_python("import config.settings", data_dir=tmp_path, **{**PRODUCTION, "SECRET_KEY": ""})
    no_hosts = run_python("import config.settings", data_dir=tmp_path, **{**PRODUCTION, "ALLOWED_HOSTS": ""})

    assert "SECRET_KEY must be set in production" in no_key.stderr
    assert "ALLOWED_HOSTS must be set in production" in no_hosts.stderr


def test_sign_in_codes_cannot_be_configured_to_live_longer_than_ten_minutes(tmp_path):
    result = run_python("import config.settings", data_dir=tmp_path, OTP_TTL_SECONDS="900")

    assert "OTP_TTL_SECONDS must be between 60 and 600" in result.stderr


def test_production_settings_pass_the_deployment_check_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment(tmp_path, **PRODUCTION), cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
