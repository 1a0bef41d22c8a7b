"""Progress bars on a terminal's stderr: one over many inputs, one per video pass.

rich's progress machinery is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn


T = TypeVar("T")


def over_inputs(items: list[T], *, show: bool) -> Iterator[T]:
    """Yield the items, with a bar over them when `show` and stderr is a terminal."""
    if not show or not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with _bar(*columns) as progress:
        task = progress.add_task("analysing", total=len(items))
        for item in items:
            yield item
            progress.advance(task)


@contextmanager
def frame_progress(*, show: bool) -> Iterator[Callable[[str], Callable[[int, int], None] | None]]:
    """A factory of progress callbacks, one task each, drawn on a terminal's stderr."""
    if not show or not sys.stderr.isatty():
        yield lambda name: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} frames/s" if speed else "")

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
    )
    with _bar(*columns) as bar:

        def factory(name: str) -> Callable[[int, int], None]:
            task = bar.add_task(name, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        yield factory


def _bar(*columns: ProgressColumn) -> Progress:
    from rich.console import Console
    from rich.progress import Progress

    return Progress(*columns, console=Console(stderr=True), transient=True)
