"""A Server-Sent Events client for the tests: reads an event stream in a thread, as a browser's
EventSource would, and keeps every event with the moment it arrived."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import httpx


@dataclass(frozen=True, slots=True)
class Event:
    """One event: its type (`message` when none is named), id, JSON data, arrival time."""

    event: str
    id: str | None
    data: Any
    arrived: float


class EventReader:
    """GETs `url` and parses its `text/event-stream` in a background thread until it ends."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.events: list[Event] = []
        self.status: int | None = None
        self.content_type = ""
        self.ended = threading.Event()
        self._changed = threading.Condition()
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=60.0))
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()
        self._thread.join(10)

    def of(self, kind: str) -> list[Event]:
        with self._changed:
            return [event for event in self.events if event.event == kind]

    def wait_for(
        self, predicate: Callable[[list[Event]], bool], *, timeout: float, what: str
    ) -> list[Event]:
        """Wait until `predicate(events so far)` holds; returns the events."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.events):
                left = deadline - time.monotonic()
                if left <= 0 or (self.ended.is_set() and not predicate(self.events)):
                    kinds = [e.event for e in self.events]
                    raise AssertionError(f"no {what} after {timeout:g} s; events: {kinds}")
                self._changed.wait(min(left, 0.2))
            return list(self.events)

    def _read(self) -> None:
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                self.content_type = response.headers.get("content-type", "")
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line == "":
                        self._dispatch(fields)
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        fields[name] = f"{fields[name]}\n{value}" if name in fields else value
        except httpx.HTTPError:
            pass  # closed by the test
        finally:
            self.ended.set()
            with self._changed:
                self._changed.notify_all()

    def _dispatch(self, fields: dict[str, str]) -> None:
        if "data" not in fields:
            return
        event = Event(
            event=fields.get("event", "message"),
            id=fields.get("id"),
            data=json.loads(fields["data"]),
            arrived=time.monotonic(),
        )
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()
