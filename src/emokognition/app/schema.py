"""The database's schema for the command line: migrate up or down, say where it stands, and
check the statistics rollups."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from emokognition.config import Settings
from emokognition.errors import ConfigError
from emokognition.store import Database, RollupCheck, check_rollups, head_revision, upgrade
from emokognition.store.migrate import current_revision, downgrade


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database stands: its URL (password hidden), its revision and the newest."""

    url: str
    current: str | None
    newest: str

    def __str__(self) -> str:
        return f"{self.url}: revision {self.current or 'none'} (newest {self.newest})"


def migrate(settings: Settings, revision: str = "head") -> SchemaStatus:
    """Migrate the configured database up to `revision` (safe from many processes at once)."""
    with _database(settings) as database:
        upgrade(database, revision)
        return _status(database)


def migrate_down(settings: Settings, revision: str) -> SchemaStatus:
    """Migrate the configured database down to `revision` ("base" removes every table)."""
    with _database(settings) as database:
        downgrade(database, revision)
        return _status(database)


def schema_status(settings: Settings) -> SchemaStatus:
    with _database(settings) as database:
        return _status(database)


def check_stats(settings: Settings) -> RollupCheck:
    """Recount the statistics rollups from the rows they count, in one transaction.

    Raises:
        ConfigError: The database is not at the newest revision (it has no rollups to check,
            or not these): `db upgrade` first.
    """
    with _database(settings) as database:
        status = _status(database)
        if status.current != status.newest:
            raise ConfigError(
                f"{status}: run `emokognition db upgrade` before checking its statistics"
            )
        with database.session() as session:
            return check_rollups(session=session)


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    try:
        yield database
    finally:
        database.dispose()


def _status(database: Database) -> SchemaStatus:
    with database.engine.connect() as connection:
        current = current_revision(connection)
    return SchemaStatus(
        url=database.engine.url.render_as_string(hide_password=True),
        current=current,
        newest=head_revision(),
    )
