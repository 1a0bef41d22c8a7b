"""Analyses that are iterated as they run: a generator started on the first `next`, closed by
`close()` or on leaving a `with` block (a video's decoder and workers, a stream's reader)."""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType
from typing import Generic, Self, TypeVar

Item = TypeVar("Item")


class Running(Generic[Item]):
    """An iterator over `_produce()`'s generator; subclasses extend `close()` to release what
    they hold."""

    _iterator: Generator[Item, None, None] | None = None

    def _produce(self) -> Generator[Item, None, None]:
        raise NotImplementedError

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Item:
        if self._iterator is None:
            self._iterator = self._produce()
        return next(self._iterator)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the generator (a no-op before it started or once it is over)."""
        if self._iterator is not None:
            self._iterator.close()
