"""The results of `emokognition analyze` as a table, JSON, JSON lines, CSV or Parquet."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emokognition.extras import require

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True, slots=True)
class Outcome:
    """One input's result (the result contract) or its error message."""

    input: str
    result: dict[str, Any] | None
    error: str | None


def render(outcomes: list[Outcome], fmt: str, many: bool) -> str:
    """The text to print for the outcomes in a format of `parser.FORMATS`."""
    done = [o for o in outcomes if o.result is not None]
    if fmt == "json":
        if not many:
            return json.dumps(done[0].result if done else None, indent=2) + "\n"
        return json.dumps([{"input": o.input, "result": o.result} for o in done], indent=2) + "\n"
    if fmt == "jsonl":
        lines = [
            json.dumps(
                {"input": o.input, "result": o.result}
                if o.result is not None
                else {"input": o.input, "error": o.error}
            )
            for o in outcomes
        ]
        return "".join(line + "\n" for line in lines)
    if fmt == "csv":
        return _csv(done)
    return _table(done)


def check_parquet() -> None:
    """Stop before any work when Parquet cannot be written.

    Raises:
        MissingExtra: pandas or pyarrow is not installed.
    """
    require("--format parquet", "parquet")


def render_parquet(outcomes: list[Outcome]) -> bytes:
    """The rows and columns of the CSV format, as a Parquet file."""
    import pandas as pd

    done = [o for o in outcomes if o.result is not None]
    table = pd.read_csv(io.StringIO(_csv(done)), dtype={"input": str})
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _csv(outcomes: list[Outcome]) -> str:
    from emokognition.video.report import PHOTO_CSV_HEADER, photo_csv_rows

    if any(o.result is not None and "frames" in o.result for o in outcomes):
        return _video_csv(outcomes)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PHOTO_CSV_HEADER)
    for outcome in outcomes:
        assert outcome.result is not None
        writer.writerows(photo_csv_rows(outcome.input, outcome.result))
    return buffer.getvalue()


def _table(outcomes: list[Outcome]) -> str:
    from rich.console import Console
    from rich.table import Table

    # No emoji codes: a file named "a:smile:.jpg" is printed as it is named.
    console = Console(file=io.StringIO(), width=_width(), highlight=False, emoji=False)
    for outcome in outcomes:
        assert outcome.result is not None
        if "tracks" in outcome.result:
            _video_table(console, outcome.input, outcome.result)
            continue
        media = outcome.result["media"]
        faces = outcome.result["faces"]
        # A heading line rather than a table title: rich would wrap a long path mid-phrase.
        count = f"{len(faces)} face{'' if len(faces) == 1 else 's'}"
        heading = f"{outcome.input} ({media['width']}x{media['height']}, {count})"
        console.print(heading, soft_wrap=True, markup=False)
        table = Table()
        for column in ("face", "box (x, y, w, h)", "score", "main", "alternative"):
            table.add_column(column)
        for i, face in enumerate(faces, start=1):
            main, alt = face["main"], face["alternative"]
            table.add_row(
                str(i),
                ", ".join(str(v) for v in face["box"]),
                f"{face['score']:.2f}",
                f"{main} {face['emotions'][main]:.0%}",
                f"{alt} {face['emotions'][alt]:.0%}",
            )
        console.print(table)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _width() -> int:
    try:
        return max(os.get_terminal_size().columns, 80)
    except OSError:
        return 100


def _video_csv(outcomes: list[Outcome]) -> str:
    from emokognition.video.report import CSV_HEADER, csv_rows, image_csv_rows

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for outcome in outcomes:
        if outcome.result is None:
            continue
        rows = csv_rows if "frames" in outcome.result else image_csv_rows
        writer.writerows(rows(outcome.input, outcome.result))
    return buffer.getvalue()


def _video_table(console: Console, name: str, result: dict[str, Any]) -> None:
    from emokognition.video.report import print_tracks

    print_tracks(console, name, result)
