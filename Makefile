# Clearday: `make run` starts everything on this machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUFF := $(VENV)/bin/ruff
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

# The processes (web, worker, beat) are the Procfile's; docker-compose.yml and the Dockerfile run
# the same commands (a test checks). The web address comes from HOST and PORT (config/gunicorn.py).

# `make test` runs in an environment of its own: only these variables come from the caller (the
# suite's PostgreSQL and Redis, CI's strictness, the browser tests' Chromium); every setting the
# suite does not choose takes its default, in UTC, whatever the shell has exported.
TEST_ENV_KEEP := PATH HOME USER TMPDIR TERM DATABASE_URL RUNTIME_DATABASE_URL REDIS_URL CI PLAYWRIGHT_BROWSERS_PATH \
	FUZZ_EXAMPLES FUZZ_COVERAGE
TEST_ENV := env -i $(foreach v,$(TEST_ENV_KEEP),$(if $(filter environment% command,$(origin $v)),$v='$($v)')) \
	TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 PYTHONHASHSEED=0

.PHONY: install lock lint format run test bench-install bench bench-quick drills migrate seed clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Clearday needs Python 3.11 or newer: run with PYTHON=python3.11 (or newer)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c requirements.lock -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Re-resolve the runtime dependencies to their newest allowed versions (after editing pyproject).
lock:
	$(PY) -m devtools.lock

# With MIGRATE_DATABASE_URL set (the schema's owner), manage.py migrates through it and then grants
# DATABASE_URL's runtime role its privileges (README, Database roles); on SQLite there is one URL.
migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m devtools.run --host $(HOST) --port $(PORT)

# Lint (pycodestyle, pyflakes, import order, bugbear, Django, ...) gates every test run. The
# formatter is configured for the code we write; `make format` applies it to the files you name
# (FILES=...), so a change reformats what it touches instead of the whole tree at once.
lint: install
	$(RUFF) check .

FILES ?= .
format: install
	$(RUFF) check --fix $(FILES)
	$(RUFF) format $(FILES)

# The suite runs in one process per core (pytest-xdist, at most 8); a file's tests stay in one
# process, so a module's Celery worker starts once. TEST_PROCESSES=0 runs it in this process.
TEST_PROCESSES ?= auto
test: lint
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_PROCESSES) --maxprocesses 8 --dist loadfile $(PYTEST_ARGS)

# Results: bench/results/ (full runs, committed) and var/bench/results/ (quick runs). The pgbench
# floor needs the PostgreSQL client tools; installed here only if missing.
# The bench's own packages (matplotlib for the plots) come with the `bench` extra.
bench-install: install
	$(PIP) install --quiet -c requirements.lock -e '.[dev,bench]'

bench: bench-install
	@command -v pgbench >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y --no-install-recommends postgresql-client || sudo apt-get install -y --no-install-recommends postgresql-client; }
	$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: bench-install
	$(PY) -m bench.run --quick $(BENCH_ARGS)

# Fault drills (Redis and PostgreSQL outages on throwaway servers, a worker killed mid-send, SMS
# provider faults, beat down overnight) and a soak; `make drills SOAK_MINUTES=1` for a quick look.
# Needs PostgreSQL 15 binaries and redis-server on this machine; see bench/drills/.
SOAK_MINUTES ?= 10
drills: install
	$(PY) -m bench.drills.run --soak-minutes $(SOAK_MINUTES) $(DRILLS_ARGS)

clean:
	rm -rf var .pytest_cache
