# Clearday: `make run` starts everything on this machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

# The commands the processes run: docker-compose.yml and the Dockerfile use the same ones (a
# test checks). The web address comes from HOST and PORT (see config/gunicorn.py).
WEB_CMD := gunicorn --config python:config.gunicorn config.wsgi:application
WORKER_CMD := celery -A config worker --loglevel=INFO --concurrency=2
BEAT_CMD := celery -A config beat --loglevel=INFO

.PHONY: install run test bench bench-quick drills migrate seed clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Clearday needs Python 3.11 or newer: run with PYTHON=python3.11 (or newer)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m config.runall --host $(HOST) --port $(PORT) --web "$(WEB_CMD)" --worker "$(WORKER_CMD)" --beat "$(BEAT_CMD)"

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Results: bench/results/ (full runs, committed) and var/bench/results/ (quick runs). The pgbench
# floor needs the PostgreSQL client tools; installed here only if missing.
bench: install
	@command -v pgbench >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y --no-install-recommends postgresql-client || sudo apt-get install -y --no-install-recommends postgresql-client; }
	$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: install
	$(PY) -m bench.run --quick $(BENCH_ARGS)

# Fault drills (Redis and PostgreSQL outages on throwaway servers, a worker killed mid-send, SMS
# provider faults, beat down overnight) and a soak; `make drills SOAK_MINUTES=1` for a quick look.
# Needs PostgreSQL 15 binaries and redis-server on this machine; see bench/drills/.
SOAK_MINUTES ?= 10
drills: install
	$(PY) -m bench.drills.run --soak-minutes $(SOAK_MINUTES) $(DRILLS_ARGS)

clean:
	rm -rf var .pytest_cache
