"""`emokognition db upgrade | downgrade | current`: the database's migrations."""

from __future__ import annotations

import argparse

from emokognition.config import get_settings


def run_upgrade(args: argparse.Namespace) -> int:
    """Migrate to `args.revision` (the newest by default), then print the revision."""
    from emokognition.store import Database, upgrade

    database = Database(get_settings().database_url)
    upgrade(database, args.revision)
    return run_current(args)


def run_downgrade(args: argparse.Namespace) -> int:
    """Migrate down to `args.revision`, then print the revision."""
    from emokognition.store import Database
    from emokognition.store.migrate import downgrade

    downgrade(Database(get_settings().database_url), args.revision)
    return run_current(args)


def run_current(args: argparse.Namespace) -> int:
    """Print the database's URL (password hidden), its revision and the newest."""
    from emokognition.store import Database, head_revision
    from emokognition.store.migrate import current_revision

    database = Database(get_settings().database_url)
    with database.engine.connect() as connection:
        current = current_revision(connection)
    database.dispose()
    print(
        f"{database.engine.url.render_as_string(hide_password=True)}: "
        f"revision {current or 'none'} (newest {head_revision()})"
    )
    return 0
