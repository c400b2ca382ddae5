import socket

import pytest
from django.db import connection
from django.db.utils import load_backend

from config import health
from tests.foundation.subprocess_env import PRODUCTION, run_python


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_at(**changes):
    """A connection like the test database's, with some settings changed."""
    settings_dict = {**connection.settings_dict, **changes}
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="readyz-probe")


def unreachable_database():
    if connection.vendor == "postgresql":
        return database_at(HOST="127.0.0.1", PORT=str(closed_port()))
    return database_at(NAME="/nonexistent-folder/clearday.sqlite3")


@pytest.mark.django_db
def test_healthz_answers_ok_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_the_database_and_the_broker_are_up(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_names_a_database_that_cannot_be_reached(client, monkeypatch):
    monkeypatch.setattr(health, "connection", unreachable_database())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["detail"] == "The database is unreachable (OperationalError)."
    assert body["checks"] == {"database": "unreachable (OperationalError)", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_names_a_database_without_its_migrations(client, monkeypatch, tmp_path):
    empty = load_backend("django.db.backends.sqlite3").DatabaseWrapper(
        {**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "empty.db"),
         "OPTIONS": {}}, alias="readyz-empty")
    monkeypatch.setattr(health, "connection", empty)

    body = client.get("/readyz").json()
    empty.close()

    assert body["checks"]["database"].startswith("has ")
    assert body["checks"]["database"].endswith(" unapplied migration(s)")


@pytest.mark.django_db
def test_readyz_names_a_broker_that_cannot_be_reached(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == "The broker is unreachable (OperationalError)."
    assert body["checks"] == {"database": "ok", "broker": "unreachable (OperationalError)"}


@pytest.mark.django_db
def test_readyz_names_a_missing_file_system_broker_folder(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://localhost//"
    missing = str(tmp_path / "gone")
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": missing, "data_folder_out": missing}

    body = client.get("/readyz").json()

    assert body["checks"]["broker"] == f"unreachable (folder {missing!r} is missing or read-only)"


@pytest.mark.django_db
def test_readyz_names_both_when_both_are_down(client, settings, monkeypatch):
    monkeypatch.setattr(health, "connection", unreachable_database())
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["detail"] == ("The database is unreachable (OperationalError). "
                                         "The broker is unreachable (OperationalError).")


def test_in_production_a_probe_by_ip_over_plain_http_still_gets_its_answer(tmp_path):
    code = ("import django; django.setup(); from django.test import Client; c = Client(); "
            "print(c.get('/healthz', HTTP_HOST='10.0.0.7').status_code, c.get('/api/v1/me', HTTP_HOST='10.0.0.7')"
            ".status_code, c.get('/api/v1/me', HTTP_HOST='clearday.example').status_code)")
    result = run_python(code, data_dir=tmp_path, **PRODUCTION)

    # The probe is answered; anything else still needs a known host and HTTPS.
    assert result.stdout.split() == ["200", "400", "301"], result.stderr
