"""Schemathesis against /openapi.json: generated requests never get a 5xx.

Operations are driven one by one with Hypothesis (schemathesis' pytest fixture loader does not
run on pytest 9); the examples per operation are bounded to keep CI short.
"""

from __future__ import annotations

import itertools
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import Case, GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.core.result import Err
from schemathesis.python import asgi

from emokognition.web import create_app
from tests.conftest import SettingsFactory

EXAMPLES = 25
TOKEN = "schemathesis-token"


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    """SQLite only: the endpoints run on both backends in the other web tests."""
    return f"sqlite:///{tmp_path / 'emokognition.sqlite3'}"


def test_no_server_errors(make_settings: SettingsFactory) -> None:
    # Short sync waits and downloads: generated sync calls must not hold the run.
    settings = make_settings(
        sync_timeout=2.0,
        inline_queue=512,
        download_timeout=2.0,
        api_tokens=TOKEN,
        public_reads=False,
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    assert len(operations) >= 7
    try:
        for operation, mode in itertools.product(operations, GenerationMode):

            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            def check(case: Case[Any]) -> None:
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    # A well-formed URL may still be refused (scheme, private address): 400;
                    # unknown query parameters are ignored, not refused.
                    excluded_checks=[positive_data_acceptance, negative_data_rejection],
                )

            try:
                check()
            except hypothesis.errors.Unsatisfiable:
                # Nothing to get wrong in a call without parameters (GET /health).
                assert mode is GenerationMode.NEGATIVE, operation.label
    finally:
        asgi.shutdown_lifespans()
