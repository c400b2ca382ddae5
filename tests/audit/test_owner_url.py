"""Which URL a process connects with: the web, the worker, beat and every ordinary command use
DATABASE_URL (the runtime role); manage.py's owner commands use MIGRATE_DATABASE_URL when it is
set. The runtime role to grant after migrating is DATABASE_URL's user."""

from __future__ import annotations

import subprocess
import sys

import yaml
from django.conf import settings

from tests.foundation.subprocess_env import environment, run_python, settings_json

RUNTIME = "postgres://clearday_app:app-secret@db.internal:5432/clearday"
OWNER = "postgres://clearday_owner:owner-secret@db.internal:5432/clearday"


def test_with_both_urls_the_app_connects_as_the_runtime_role_and_grants_go_to_it(tmp_path):
    user, role = settings_json('[s.DATABASES["default"]["USER"], s.DATABASE_RUNTIME_ROLE]', data_dir=tmp_path,
                               DATABASE_URL=RUNTIME, MIGRATE_DATABASE_URL=OWNER)

    assert (user, role) == ("clearday_app", "clearday_app")


def test_an_owner_command_connects_as_the_owner(tmp_path):
    user, role = settings_json('[s.DATABASES["default"]["USER"], s.DATABASE_RUNTIME_ROLE]', data_dir=tmp_path,
                               DATABASE_URL=RUNTIME, MIGRATE_DATABASE_URL=OWNER, CLEARDAY_DATABASE_AS_OWNER="true")

    assert (user, role) == ("clearday_owner", "clearday_app")


def test_one_url_for_both_roles_is_refused(tmp_path):
    result = run_python("import django; django.setup()", data_dir=tmp_path, DATABASE_URL=OWNER,
                        MIGRATE_DATABASE_URL=OWNER)

    assert result.returncode != 0
    assert "DATABASE_URL and MIGRATE_DATABASE_URL name the same role" in result.stderr


def test_without_migrate_database_url_there_is_one_role_and_nothing_to_grant(tmp_path):
    user, role = settings_json('[s.DATABASES["default"]["USER"], s.DATABASE_RUNTIME_ROLE]', data_dir=tmp_path,
                               DATABASE_URL=OWNER, CLEARDAY_DATABASE_AS_OWNER="true")

    assert (user, role) == ("clearday_owner", "")


def test_manage_py_migrates_through_the_owners_url_and_runs_the_rest_through_the_runtime_url(tmp_path):
    runtime, owner = tmp_path / "runtime.sqlite3", tmp_path / "owner.sqlite3"
    env = environment(tmp_path, DATABASE_URL=f"sqlite:///{runtime}", MIGRATE_DATABASE_URL=f"sqlite:///{owner}")

    def manage(*args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR, check=True,
                       capture_output=True, timeout=120)

    manage("migrate", "--plan")  # opening the database is enough to create its file
    assert owner.exists() and not runtime.exists()
    manage("showmigrations", "audit")
    assert runtime.exists()


def test_compose_runs_the_app_as_the_runtime_role_and_migrates_as_the_owner():
    services = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())["services"]
    init_sql = (settings.BASE_DIR / "docker" / "postgres-init.sql").read_text()

    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://clearday_app:")
        assert "MIGRATE_DATABASE_URL" not in services[name]["environment"]
    assert services["migrate"]["environment"]["MIGRATE_DATABASE_URL"].startswith("postgres://clearday_owner:")
    assert "POSTGRES_USER" not in services["db"]["environment"]  # the superuser is the image's postgres, unused
    assert any(volume.endswith(":/docker-entrypoint-initdb.d/clearday-roles.sql:ro")
               for volume in services["db"]["volumes"])
    assert "CREATE ROLE clearday_app LOGIN NOSUPERUSER" in init_sql
    assert "CREATE DATABASE clearday OWNER clearday_owner" in init_sql
