"""Prometheus metrics of the service: requests, jobs, queue depth, faces, analyses."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from emokognition.app import AnalysisService
from emokognition.errors import EmokognitionError

logger = logging.getLogger(__name__)


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
    """Read at scrape time: queue depth (inline pool or broker) and analyses by status."""

    def __init__(self, service: AnalysisService) -> None:
        self.service = service

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
            counts = self.service.status_counts()
        except EmokognitionError as exc:
            logger.warning("analysis counts unavailable: %s", exc.message)
            return
        family = GaugeMetricFamily(
            "emokognition_analyses", "Analyses recorded, by status.", labels=["status"]
        )
        for status, n in counts.items():
            family.add_metric([status], n)
        yield family
