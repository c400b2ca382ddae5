"""`make run`, `docker compose up` and the image start the same three processes the same way."""

import json
import re
import subprocess

import pytest
import yaml
from django.conf import settings

ROOT = settings.BASE_DIR


def makefile_commands() -> dict[str, str]:
    text = (ROOT / "Makefile").read_text()
    return {name: re.search(rf"^{name} := (.+)$", text, re.MULTILINE).group(1).strip()
            for name in ("WEB_CMD", "WORKER_CMD", "BEAT_CMD")}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgresql_16_redis_7_web_worker_and_beat(compose):
    services = compose["services"]

    assert {"db", "redis", "web", "worker", "beat"} <= services.keys()
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_compose_runs_the_makefiles_commands(compose):
    commands = makefile_commands()
    services = compose["services"]

    assert services["web"]["command"] == commands["WEB_CMD"]
    assert services["worker"]["command"] == commands["WORKER_CMD"]
    assert services["beat"]["command"] == commands["BEAT_CMD"]


def test_compose_points_the_processes_at_its_postgresql_and_redis_after_migrating(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379/")
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "manage.py migrate" in compose["services"]["migrate"]["command"]


def test_the_image_starts_the_makefiles_web_command():
    cmd = re.search(r"^CMD (.+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE).group(1)

    assert " ".join(json.loads(cmd)) == makefile_commands()["WEB_CMD"]


def test_make_run_hands_the_same_commands_to_the_process_runner():
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    runner = next(line for line in dry_run.splitlines() if "-m config.runall" in line)

    for command in makefile_commands().values():
        assert f'"{command}"' in runner
