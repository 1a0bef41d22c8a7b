"""`emokognition db upgrade | downgrade | current`: the database's migrations."""

from __future__ import annotations

import argparse

from emokognition.config import get_settings
from emokognition.extras import require


def run_upgrade(args: argparse.Namespace) -> int:
    """Migrate to `args.revision` (the newest by default), then print the revision."""
    require("emokognition db", "service")
    from emokognition.app.schema import migrate

    print(migrate(get_settings(), args.revision))
    return 0


def run_downgrade(args: argparse.Namespace) -> int:
    """Migrate down to `args.revision`, then print the revision."""
    require("emokognition db", "service")
    from emokognition.app.schema import migrate_down

    print(migrate_down(get_settings(), args.revision))
    return 0


def run_current(args: argparse.Namespace) -> int:
    """Print the database's URL (password hidden), its revision and the newest."""
    require("emokognition db", "service")
    from emokognition.app.schema import schema_status

    print(schema_status(get_settings()))
    return 0
