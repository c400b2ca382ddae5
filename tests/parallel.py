"""Each of pytest-xdist's test processes (gw0, gw1, ...) on a Redis database of its own.

Loaded with `-p` (pyproject's addopts), so it runs before pytest-django reads the settings. The
processes already get a database each from pytest-django (test_<name>_gw0, ...); on one Redis
database their Celery workers would take each other's tasks, and a test that starts a worker
refuses to while another answers on the same broker. So process gwN uses database d + 1 + N,
where d is REDIS_URL's. The environment is changed, not a setting, so the workers the tests
start inherit it.
"""

import os

MAX_REDIS_DATABASE = 15  # a Redis server has databases 0-15 unless configured otherwise

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url:
    _base, _, _database = _url.rstrip("/").rpartition("/")
    if not _database.isdigit():  # redis://host:port with no database: database 0
        _base, _database = _url.rstrip("/"), "0"
    _own = int(_database) + 1 + int(_worker.removeprefix("gw"))
    if _own > MAX_REDIS_DATABASE:
        raise RuntimeError(f"Test process {_worker} would need Redis database {_own}: run fewer processes (-n).")
    os.environ["REDIS_URL"] = f"{_base}/{_own}"
