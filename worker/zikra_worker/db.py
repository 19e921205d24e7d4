"""The database connection pool, and the translation of "database down" into a 503."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from .errors import Unavailable

logger = logging.getLogger(__name__)

MIN_EF_SEARCH = 100
T = TypeVar("T")


def _configurer(ef_search: int) -> Callable[[psycopg.Connection[Any]], None]:
    """The pool's ``configure``: run once per new connection, never per request."""

    def configure(conn: psycopg.Connection[Any]) -> None:
        # The extension exists once migration 001 ran; register_vector needs the type.
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:
            logger.info("vector type not found yet; connection left without vector adapters")
        # HNSW settings for the whole session (see tune_hnsw): every search and save of this
        # connection scans with them, without a set_config round trip per transaction.
        conn.execute("SELECT set_config('hnsw.ef_search', %s, false), "
                     "set_config('hnsw.iterative_scan', 'relaxed_order', false)",
                     (str(ef_search),))

    return configure


def make_pool(url: str, max_size: int, timeout_s: float, ef_search: int = MIN_EF_SEARCH) -> ConnectionPool:
    """Make a pool (opened later, by Runtime.ensure_ready) that survives the database going away.

    Connections are in autocommit mode: ``transaction`` wraps writes in BEGIN/COMMIT, and a
    read of one statement (``read``) needs neither. They are not checked on checkout (one
    round trip per request): a connection that died while idle fails its first statement,
    and ``transaction`` and ``read`` then retry once on a fresh one. ``ef_search`` is the
    sessions' ``hnsw.ef_search``, at least MIN_EF_SEARCH.
    """
    return ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        timeout=timeout_s,
        kwargs={"row_factory": dict_row, "connect_timeout": max(1, int(timeout_s)), "autocommit": True},
        configure=_configurer(max(ef_search, MIN_EF_SEARCH)),
        reconnect_timeout=0,
        open=False,
        name="zikra",
    )


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    """One direct connection returning dict rows, for migrations and operator commands."""
    return psycopg.connect(url, row_factory=dict_row, connect_timeout=5)


def _unavailable(exc: Exception) -> Unavailable:
    logger.warning("database unavailable: %s", type(exc).__name__)
    return Unavailable("database", "The database is unavailable; try again shortly.")


def _died_idle(pool: ConnectionPool, conn: psycopg.Connection[Any], attempt: int) -> bool:
    """Whether a failed statement is worth one retry: the pooled connection was dead.

    A database restart kills every idle connection of the pool at once, so the others are
    checked (and replaced) too before the retry takes one: only this rare path pays the
    round trips that checking each connection on checkout would cost every request.
    """
    if attempt > 0 or not conn.broken:
        return False
    logger.info("pooled database connection was closed; retrying on a fresh one")
    pool.check()
    return True


@contextmanager
def transaction(pool: ConnectionPool) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """Yield a connection inside one transaction; any connection failure becomes a 503.

    The BEGIN is the connection's liveness check: when it fails on a connection that died
    while idle in the pool (a database restart), nothing has run yet, so a fresh
    connection is taken once before giving up.

    Raises:
        Unavailable: the database cannot be reached or dropped the connection.
    """
    try:
        for attempt in range(2):
            with ExitStack() as stack:
                conn = stack.enter_context(pool.connection())
                try:
                    stack.enter_context(conn.transaction())
                except psycopg.OperationalError:
                    if _died_idle(pool, conn, attempt):
                        continue
                    raise
                yield conn
                return
    except (PoolTimeout, psycopg.OperationalError) as exc:
        raise _unavailable(exc) from exc


def read(pool: ConnectionPool, work: Callable[[psycopg.Connection[dict[str, Any]]], T]) -> T:
    """Run ``work`` on a pooled connection in autocommit mode: each statement its own
    transaction, no BEGIN or COMMIT round trips.

    When the connection turns out to have died while idle, ``work`` runs once more on a
    fresh one, so it must be safe to repeat (reads, and bookkeeping such as reinforcement).

    Raises:
        Unavailable: the database cannot be reached or dropped the connection.
    """
    try:
        for attempt in range(2):
            with pool.connection() as conn:
                try:
                    return work(conn)
                except psycopg.OperationalError:
                    if _died_idle(pool, conn, attempt):
                        continue
                    raise
        raise AssertionError("unreachable: the second attempt returns or raises")
    except (PoolTimeout, psycopg.OperationalError) as exc:
        raise _unavailable(exc) from exc


def tune_hnsw(conn: psycopg.Connection[Any], candidates: int) -> None:
    """Let the HNSW scan of this transaction return ``candidates`` rows after filtering.

    The worker's pooled connections have these settings for the whole session
    (``make_pool``); this is for other connections, and for a candidate count above it.

    HNSW yields at most ``hnsw.ef_search`` rows (default 40), and filters (project, type,
    archived) apply after the scan: iterative scanning keeps going until enough rows pass.
    An ef_search of at least 100 keeps recall@10 above 0.95 in each partition's graph.
    """
    conn.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                 "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                 (str(max(candidates, MIN_EF_SEARCH)),))


def relax_commit(conn: psycopg.Connection[Any]) -> None:
    """Commit this transaction without waiting for the WAL flush.

    For reads that only reinforce what they return (access count, decay clock): a crash
    may forget the last moments of such bookkeeping, never a save. Saves keep the default.
    """
    conn.execute("SELECT set_config('synchronous_commit', 'off', true)")
