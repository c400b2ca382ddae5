"""The bench's helpers keep to their bounds: loopback only, bench databases only, exact percentiles."""

import subprocess
import sys

import pytest

from bench import support


def test_percentiles_interpolate_between_closest_ranks():
    assert support.percentiles(list(range(1, 101))) == pytest.approx(
        {"p50": 50.5, "p95": 95.05, "p99": 99.01, "min": 1, "max": 100})


def test_percentiles_of_no_samples_are_none_rather_than_zero():
    assert support.percentiles([]) == {"p50": None, "p95": None, "p99": None, "min": None, "max": None}


def test_load_generator_refuses_a_host_that_is_not_this_machine():
    with pytest.raises(ValueError, match="not loopback"):
        support.http_load("http://example.com/", clients=1, requests=1)


def test_load_generator_refuses_a_callable_that_leaves_this_machine():
    result = support.http_load(lambda session, client, index: session.get("http://example.com/"), clients=1,
                               requests=2)
    assert result.completed == 0
    assert len(result.errors) == 2 and "not loopback" in result.errors[0]


def test_load_generator_needs_exactly_one_bound():
    with pytest.raises(ValueError, match="exactly one"):
        support.http_load("http://127.0.0.1:1/", clients=1)


def test_fresh_database_refuses_a_name_that_is_not_a_bench_database():
    with pytest.raises(ValueError, match="clearday_bench"):
        support.fresh_database("clearday")


def test_bench_processes_get_the_settings_defaults_whatever_the_shell_exported(monkeypatch):
    # With these exported, every in-process request of the courses scenario was refused (400).
    monkeypatch.setenv("ALLOWED_HOSTS", "127.0.0.1,localhost")
    monkeypatch.setenv("DJANGO_DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", "from-the-shell")
    url = "postgres://postgres@127.0.0.1:5432/clearday_bench_env"

    env = support.subprocess_env(database_url=url, redis_url=None, settings_module="config.settings")
    allowed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(','.join(settings.ALLOWED_HOSTS))"],
        cwd=support.ROOT, env=env, capture_output=True, text=True, timeout=120, check=True).stdout.split()[-1]

    assert {"ALLOWED_HOSTS", "DJANGO_DEBUG", "SECRET_KEY"}.isdisjoint(env)
    assert env["DATABASE_URL"] == url and env["THROTTLE_BOOKING"] == "1000000/minute"
    assert "testserver" in allowed.split(",")
