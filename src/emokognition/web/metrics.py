"""Prometheus metrics of the service: requests, and what is read at scrape time (queue,
analyses by kind and status, live streams, the bot, failed downloads); the jobs' own are in
`jobs.metrics`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from emokognition.app import AnalysisService, Monitoring
from emokognition.errors import EmokognitionError

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class HttpMetrics:
    """Request counts and durations by method, route template and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "emokognition_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "emokognition_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route"],
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.duration.labels(method=method, route=route).observe(seconds)


class ServiceCollector(Collector):
    """Read at scrape time: the queue (inline pool or broker) and what the database records
    for every process on it (`AnalysisService.monitoring`)."""

    def __init__(self, service: AnalysisService, *, clock: Callable[[], datetime] = _now) -> None:
        self.service = service
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            depth = self.service.queue_depth()
        except EmokognitionError as exc:
            logger.warning("queue depth unavailable: %s", exc.message)
        else:
            yield GaugeMetricFamily(
                "emokognition_queue_depth", "Jobs waiting to be run.", value=depth
            )
        try:
            workers = self.service.workers()
        except EmokognitionError as exc:
            logger.warning("workers unavailable: %s", exc.message)
        else:
            yield GaugeMetricFamily(
                "emokognition_workers",
                "Workers alive: inline threads, or Celery workers heard from in the last 20 s.",
                value=workers,
            )
        try:
            reading = self.service.monitoring()
        except EmokognitionError as exc:
            logger.warning("database counts unavailable: %s", exc.message)
            return
        yield from _families(reading, self.clock())


def _families(reading: Monitoring, now: datetime) -> Iterator[GaugeMetricFamily]:
    analyses = GaugeMetricFamily(
        "emokognition_analyses",
        "Analyses recorded, by media kind (unknown: a URL not downloaded yet) and status.",
        labels=["kind", "status"],
    )
    for (kind, status), n in sorted(reading.analyses.items()):
        analyses.add_metric([kind, status], n)
    yield analyses
    oldest = reading.oldest_queued_at
    yield GaugeMetricFamily(
        "emokognition_queue_oldest_age_seconds",
        "Age of the oldest analysis still queued (0 when none is).",
        value=0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0),
    )
    yield GaugeMetricFamily(
        "emokognition_live_streams",
        "Live streams being analysed (starting, live or reconnecting), over every process.",
        value=reading.live_streams,
    )
    yield _by_label(
        "emokognition_bot_mentions",
        "Mentions the bot handled (posts with pictures recorded), by source.",
        "source",
        reading.mentions,
    )
    yield _by_label(
        "emokognition_bot_replies",
        "Replies the bot sent, by source.",
        "source",
        reading.replies,
    )
    yield _by_label(
        "emokognition_download_failures",
        "URL analyses that failed before their media was stored, by error code.",
        "reason",
        reading.download_failures,
    )


def _by_label(
    name: str, documentation: str, label: str, counts: dict[str, int]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, n in sorted(counts.items()):
        family.add_metric([value], n)
    return family
