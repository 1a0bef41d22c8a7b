"""Structured logs: one JSON object per line, with the fields passed as `extra`."""

from __future__ import annotations

import json
import logging

from emokognition.web.logformat import JsonFormatter


def test_json_lines_carry_extra_fields_and_exceptions() -> None:
    record = logging.LogRecord(
        "emokognition.web.access", logging.INFO, __file__, 1, "%s %d", ("GET", 200), None
    )
    record.request_id = "abc"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET 200" and line["level"] == "INFO"
    assert line["logger"] == "emokognition.web.access" and line["request_id"] == "abc"
    assert line["time"].endswith("+00:00")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "ValueError: boom" in json.loads(JsonFormatter().format(failed))["exception"]
