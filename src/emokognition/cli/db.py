"""`emokognition db upgrade | downgrade | current | check-stats`: the database's migrations,
and a check of the statistics rollups against the rows they count."""

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


def run_check_stats(args: argparse.Namespace) -> int:
    """Recount the rollups from the rows; print each difference; 1 when there is any."""
    require("emokognition db", "service")
    from emokognition.app.schema import check_stats

    check = check_stats(get_settings())
    for difference in check.differences:
        print(difference)
    if check.differences:
        print(f"{len(check.differences)} of {check.checked} statistics counts differ from the rows")
        return 1
    print(f"the statistics rollups match the rows ({check.checked} counts)")
    return 0
