"""On PostgreSQL a statement a connection runs often is prepared once, and stays prepared when a
savepoint is rolled back (every lost booking race rolls one back); a DROP or ALTER, or a whole
transaction rolled back, still makes psycopg forget them."""

import pytest
from django.db import connection, transaction

from scheduling.models import Location

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _run_often(times: int = 6) -> str:
    """A statement run more times than the threshold; returns the text PostgreSQL keeps."""
    for _ in range(times):
        list(Location.objects.filter(pk=-1))
    return next(s for s in _prepared() if "scheduling_location" in s and "WHERE" in s)


@pytest.fixture(autouse=True)
def _fresh_connection():
    connection.close()  # a new connection: prepared statements are per connection
    yield
    connection.close()


def test_a_statement_run_often_is_prepared_once():
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 5
    connection.ensure_connection()
    assert _prepared() == set()

    statement = _run_often()

    assert statement in _prepared()


def test_a_rolled_back_savepoint_keeps_what_was_prepared():
    statement = _run_often()

    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint, rolled back as a lost race's is
                Location.objects.create(name="Tempe", time_zone="America/Phoenix")
                raise LookupError
        except LookupError:
            pass
        list(Location.objects.filter(pk=-1))  # runs as the prepared statement

    assert statement in _prepared()
    assert not Location.objects.filter(name="Tempe").exists()


def test_a_whole_transaction_rolled_back_still_starts_afresh():
    """psycopg's own rollback() forgets them whatever the manager says: only a failed request
    (a 500) rolls a whole transaction back, so that is rare."""
    _run_often()

    try:
        with transaction.atomic():
            Location.objects.create(name="Tempe", time_zone="America/Phoenix")
            raise LookupError
    except LookupError:
        pass

    assert _prepared() == set()


def test_dropping_an_object_still_forgets_every_prepared_statement():
    _run_often()

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE scratch (id int)")
        cursor.execute("DROP TABLE scratch")

    assert _prepared() == set()


def test_a_query_with_many_parameters_is_converted_once():
    from psycopg import _queries

    connection.ensure_connection()
    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= 400  # psycopg's own limit is 50
    ids = list(range(-60, 0))
    sql = f"SELECT id FROM scheduling_location WHERE id IN ({', '.join(['%s'] * len(ids))})"
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        before = _queries._query2pg.cache_info()
        cursor.execute(sql, ids)
        after = _queries._query2pg.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)
