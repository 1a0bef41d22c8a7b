"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from emokognition.errors import ConfigError, Unavailable

logger = logging.getLogger(__name__)


class Database:
    """An engine and its session factory for one database URL.

    Args:
        url: A SQLAlchemy URL: `sqlite:///path` or `postgresql+psycopg://...`.
        pool_size: Connections kept open (PostgreSQL).
    """

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        Raises:
            Unavailable: The database cannot be reached.
        """
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as exc:
            # Unreachable server, refused connection, SQLite locked past its busy timeout.
            # The driver's text names host, port and database: for the log, not for clients.
            logger.warning("database unavailable: %s", _first_line(exc.orig))
            raise Unavailable("database unavailable") from exc

    def ping(self) -> None:
        """Raise `Unavailable` unless the database answers a trivial query."""
        with self.session() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine set up for concurrent writers.

    SQLite: WAL journal, a 30 s busy timeout and foreign keys on; the folder is created.

    Raises:
        ConfigError: The URL is malformed or names an unsupported database.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"bad database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30.0})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        return create_engine(
            parsed, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True
        )
    raise ConfigError(f"unsupported database {backend!r} (sqlite, postgresql)")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    _use_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once. The switch needs the file to itself and SQLite answers
    "locked" at once rather than waiting, so it is tried again for up to the busy timeout."""
    deadline = time.monotonic() + 30.0
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error and str(error).strip() else "no answer"
