"""Many writers at once, in threads and in processes, finishing, re-running and deleting
analyses: the rollups end equal to a recount of the rows."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from emokognition.store import Database, check_rollups, get_stats
from tests.store.writers import write

ROOT = Path(__file__).resolve().parents[2]
THREADS = 6
PROCESSES = 3
EACH = 16


def test_concurrent_writers_leave_rollups_equal_to_the_rows(database: Database) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store.writers", database.url, str(100 + n), str(EACH)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    with ThreadPoolExecutor(THREADS) as pool:
        in_threads = sum(pool.map(lambda seed: write(database, seed, EACH), range(THREADS)))
    in_processes = 0
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
        in_processes += int(out)
    with database.session() as session:
        check = check_rollups(session=session)
        stats = get_stats(session=session)
    assert check.differences == ()
    assert stats.faces == in_threads + in_processes > 0
