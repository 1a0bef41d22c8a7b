"""A process's memory for decoding images, shared by its jobs: big decodes take turns.

A decode's peak is about twice its BGR array (OpenCV's own buffer, then the array), so two
50-megapixel PNGs decoded at once by the two jobs of one server would need 600 MB on top of the
models. Each decode holds its estimated peak from this budget while it runs; one that needs more
than the whole budget is refused, the others wait for their turn.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from emokognition.errors import MediaTooLarge

MB = 1024 * 1024


class MemoryBudget:
    """`limit` bytes, held and given back by `hold`; thread-safe."""

    def __init__(self, limit: int) -> None:
        if limit <= 0:
            raise ValueError(f"a memory budget must be positive, got {limit}")
        self.limit = limit
        self._used = 0
        self._turn = threading.Condition()

    @property
    def used(self) -> int:
        """Bytes held now."""
        with self._turn:
            return self._used

    @contextmanager
    def hold(self, size: int, what: str = "decoding") -> Iterator[None]:
        """Hold `size` bytes while the block runs, waiting until they are free.

        Raises:
            MediaTooLarge: `size` is more than the whole budget.
        """
        if size > self.limit:
            raise MediaTooLarge(
                f"{what} needs about {size / MB:,.0f} MB, more than the "
                f"{self.limit / MB:,.0f} MB allowed (EMOKOGNITION_DECODE_MEMORY_MB)"
            )
        with self._turn:
            self._turn.wait_for(lambda: self._used + size <= self.limit)
            self._used += size
        try:
            yield
        finally:
            if size >= _TRIM_AFTER:
                release_free_memory()
            with self._turn:
                self._used -= size
                self._turn.notify_all()


# A hold this large gives its memory back to the system when it ends (see below).
_TRIM_AFTER = 32 * MB


def _libc_trim() -> ctypes._NamedFuncPointer | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_trim = _libc_trim()


def release_free_memory() -> None:
    """Hand memory that was freed back to the system (glibc's `malloc_trim`).

    The decoders' large buffers come from the C heap in pieces under glibc's mmap threshold
    (which grows to 32 MB after large frees), and glibc keeps freed heap memory for reuse: a
    server that decoded one 49 MP image stayed 200-300 MB larger than before for good, and
    the next big decode came on top of that.
    """
    if _trim is not None:
        _trim(0)


_budgets: dict[int, MemoryBudget] = {}
_budgets_lock = threading.Lock()


def process_budget(megabytes: int) -> MemoryBudget:
    """The one budget of this process for a setting of `megabytes`."""
    with _budgets_lock:
        return _budgets.setdefault(megabytes, MemoryBudget(megabytes * MB))


__all__ = ["MB", "MemoryBudget", "process_budget", "release_free_memory"]
