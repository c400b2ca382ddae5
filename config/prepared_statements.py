"""Prepared statements that survive a rolled-back savepoint, and query conversions kept for
queries with many parameters (see CONVERTED_PARAMS_KEPT).

psycopg prepares a statement a connection has run `prepare_threshold` times (settings
DB_PREPARE_THRESHOLD), so PostgreSQL stops parsing and planning it afresh. But psycopg forgets
every prepared statement, and sends DEALLOCATE ALL, whenever a command reports ROLLBACK, and
ROLLBACK TO SAVEPOINT reports just that. The booking path rolls savepoints back all the time: a
placement attempt whose plan was overtaken under the locks, a move or cancellation refused under
its lock, and (before the idempotent handlers lost their own savepoint) every lost race. Without
this, little stayed prepared for long.

psycopg forgets on ROLLBACK in case the transaction had created an object a statement was prepared
against. Clearday never changes the schema inside a request's transaction: migrations run in
their own process, and they DROP or ALTER, which still clear the cache here. So on our connections
a rolled-back savepoint keeps the prepared statements. (A whole transaction rolled back still
clears them: psycopg's rollback() does that itself. Requests end so only when they fail, or when
an error answer follows a write; see api/idempotency.py.)
"""

from __future__ import annotations

import re

from psycopg import _queries, pq
from psycopg._preparing import Prepare, PrepareManager  # the class psycopg keeps per connection

_COMMAND_OK = pq.ExecStatus.COMMAND_OK
_CLEARS = re.compile(rb"^(?:DROP|ALTER|DISCARD ALL|DEALLOCATE ALL)\b").match


class KeptOnRollback(PrepareManager):
    """psycopg's manager, except that a command reporting ROLLBACK (a savepoint's) keeps the cache."""

    def _should_discard(self, prep, results) -> bool:
        if self._names or prep == Prepare.SHOULD:
            for result in results:
                if result.status == _COMMAND_OK and (status := result.command_status) and _CLEARS(status):
                    return self.clear()
        return False


# psycopg remembers how it turned a query's %s placeholders into $1, $2... only for queries of
# at most 50 parameters; the booking's inserts of its allocations and outbox rows (one statement
# each, config.hot_sql.insert) have more, and were parsed afresh on every booking. The texts are
# few and fixed, and the memory is bounded by psycopg's own cache of 128 queries.
CONVERTED_PARAMS_KEPT = 400


def keep_query_conversions() -> None:
    """Raise psycopg's limit on the parameters of a query whose conversion it keeps."""
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, CONVERTED_PARAMS_KEPT)


def keep_on_rollback(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: give a new PostgreSQL connection the manager above, with
    the threshold and size Django configured (and keep the conversions of longer queries)."""
    if connection.vendor != "postgresql":
        return
    keep_query_conversions()
    raw = connection.connection
    kept = KeptOnRollback()
    kept.prepare_threshold, kept.prepared_max = raw._prepared.prepare_threshold, raw._prepared.prepared_max
    raw._prepared = kept
