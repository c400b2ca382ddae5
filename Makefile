# Clearday: `make run` starts everything on this machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT ?= 8000

# The commands the processes run: docker-compose.yml uses the same ones (a test checks).
WEB_CMD := gunicorn config.wsgi:application --bind 0.0.0.0:$(PORT) --workers 3 --access-logfile -
DEV_WEB_CMD := manage.py runserver 0.0.0.0:$(PORT) --noreload
WORKER_CMD := celery -A config worker --loglevel=INFO --concurrency=2
BEAT_CMD := celery -A config beat --loglevel=INFO

.PHONY: install run test bench bench-quick drills migrate seed clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
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
	$(PY) -m config.runall --port $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m bench.run

bench-quick: install
	$(PY) -m bench.run --quick

clean:
	rm -rf var .pytest_cache
