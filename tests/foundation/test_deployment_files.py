"""`make run`, `docker compose up` and the image start the same three processes the same way, and
the image is built from the product alone at the locked versions."""

import json
import re
import subprocess
import tomllib

import pytest
import yaml
from django.conf import settings

from devtools.run import procfile

ROOT = settings.BASE_DIR
PRODUCT = {"core", "config", "accounts", "scheduling", "notifications", "care", "telehealth", "checkins", "api", "web",
           "audit", "locale", "manage.py"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_procfile_runs_web_worker_and_beat():
    assert list(procfile()) == ["web", "worker", "beat"]


def test_compose_runs_postgresql_16_redis_7_web_worker_and_beat(compose):
    services = compose["services"]

    assert {"db", "redis", "web", "worker", "beat"} <= services.keys()
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_compose_runs_the_procfiles_commands(compose):
    services = compose["services"]

    assert {name: services[name]["command"] for name in ("web", "worker", "beat")} == procfile()


def test_compose_points_the_processes_at_its_postgresql_and_redis_after_migrating(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379/")
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "manage.py migrate" in compose["services"]["migrate"]["command"]


def test_the_image_starts_the_procfiles_web_command():
    cmd = re.search(r"^CMD (.+)$", dockerfile(), re.MULTILINE).group(1)

    assert " ".join(json.loads(cmd)) == procfile()["web"]


def test_make_run_starts_the_procfile_under_honcho():
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout

    assert any("-m devtools.run" in line for line in dry_run.splitlines()), dry_run


def test_the_image_copies_the_product_folders_and_nothing_else():
    copied = {source for line in re.findall(r"^COPY (.+)$", dockerfile(), re.MULTILINE)
              for source in line.split()[:-1]}

    assert copied == PRODUCT | {"requirements.lock"}
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"tests", "bench", "devtools"} <= set(ignored)


def test_the_image_installs_the_locked_versions_of_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {re.match(r"[A-Za-z0-9_.-]+", requirement).group(0) for requirement in project["dependencies"]}
    lines = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if not line.startswith("#")]
    locked = dict(line.split("==") for line in lines)

    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.+!-]*", line) for line in lines), lines
    assert {name.lower().replace("_", "-") for name in declared} <= {name.lower().replace("_", "-") for name in locked}
    assert "pip install --no-cache-dir -r requirements.lock" in dockerfile()
