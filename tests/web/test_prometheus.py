"""/metrics as Prometheus reads it: `promtool check metrics` passes, and a real Prometheus
scrapes the service on 127.0.0.1 with the read token and answers PromQL about analyses."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emokognition.config import Settings
from tests.conftest import SettingsFactory, wait_until
from tests.servers import serving
from tests.services import start_prometheus

TOKEN = "metrics-reader-token"
JPEG = "image/jpeg"


@pytest.fixture
def service(make_settings: SettingsFactory, photo: bytes) -> Iterator[str]:
    """The app with tokens (reads private) on 127.0.0.1: one analysis done, one failed."""
    settings: Settings = make_settings(api_tokens=TOKEN)
    with serving(settings) as base:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=base, headers=auth) as client:
            for data in (photo, photo[: len(photo) // 3]):  # whole, and cut short: corrupt
                sent = client.post(
                    "/api/v1/analyses?mode=sync", files={"file": ("p.jpg", data, JPEG)}, timeout=60
                )
                assert sent.status_code == 200, sent.text
        yield base


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        raise RuntimeError("promtool is not installed (Debian: prometheus)")
    return found


def test_metrics_pass_promtool_and_stay_behind_the_read_token(service: str) -> None:
    assert httpx.get(f"{service}/metrics").status_code == 401
    text = httpx.get(f"{service}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    checked = subprocess.run(
        [_promtool(), "check", "metrics"], input=text.encode(), capture_output=True, timeout=60
    )
    problems = (checked.stdout + checked.stderr).decode()
    assert checked.returncode == 0 and problems.strip() == "", problems
    assert 'emokognition_analyses{kind="image",status="done"} 1.0' in text


def _config(target: str) -> str:
    """Two jobs on the same target: one with the bearer token, one without."""
    host = target.removeprefix("http://")
    return f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: emokognition
    authorization:
      type: Bearer
      credentials: {TOKEN}
    static_configs:
      - targets: ["{host}"]
  - job_name: anonymous
    static_configs:
      - targets: ["{host}"]
"""


def _query(prometheus: str, promql: str) -> dict[str, float]:
    """The instant vector's values by their labels' values, joined with ','."""
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": promql}, timeout=10)
    answer.raise_for_status()
    result = answer.json()["data"]["result"]
    return {",".join(r["metric"].values()): float(r["value"][1]) for r in result}


def test_a_real_prometheus_scrapes_the_service(service: str, tmp_path: Path) -> None:
    config = _config(service)
    checked = subprocess.run(
        [_promtool(), "check", "config", "/dev/stdin"], input=config.encode(), capture_output=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    prometheus = start_prometheus(tmp_path / "prometheus", config)
    try:
        by_status: dict[str, float] = {}

        def scraped() -> bool:
            nonlocal by_status
            by_status = _query(
                prometheus.url, 'sum by (status) (emokognition_analyses{job="emokognition"})'
            )
            return by_status.get("done") == 1

        wait_until(scraped, timeout=60, what="Prometheus to scrape /metrics")
        assert by_status == {"done": 1, "failed": 1, "queued": 0, "running": 0}
        wait_until(
            lambda: len(_query(prometheus.url, "up")) == 2, timeout=30, what="both jobs scraped"
        )
        up = _query(prometheus.url, "sum by (job) (up)")
        assert up == {"emokognition": 1, "anonymous": 0}  # refused without the token
        faces = _query(prometheus.url, "sum(emokognition_faces_analysed_total)")
        assert faces == {"": 1}
    finally:
        prometheus.stop()
