"""What an operator watches: one structured log event per request, and Prometheus metrics.

Log lines carry a request id (taken from a well-formed `X-Request-ID` or
made here, and sent back), the method, the URL *rule* (never the path or
query string: a certificate token or a phone number can sit there), the
status and the duration; never a personal field. In production they are JSON
lines.

`/metrics` answers only addresses in `METRICS_ALLOWED_NETWORKS` (others get
404). Under gunicorn every process writes its samples to
`PROMETHEUS_MULTIPROC_DIR` (set by `scripts/run`) and a scrape of any worker
adds them up, the job worker's included.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger("registry.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

HTTP_REQUESTS = Counter("registry_http_requests", "HTTP requests answered", ["endpoint", "method", "status"])
HTTP_SECONDS = Histogram("registry_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["endpoint", "method"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
FACE_CHECK_SECONDS = Histogram("registry_face_check_duration_seconds", "Time to decide one face check",
                               buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0))
JOB_SECONDS = Histogram("registry_job_duration_seconds", "Time one job attempt took", ["kind"],
                        buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0, 3600.0))

GAUGE_SOURCES = "registry.metrics.gauges"


def observe_face_check(seconds: float) -> None:
    FACE_CHECK_SECONDS.observe(seconds)


def observe_job(kind: str, seconds: float) -> None:
    JOB_SECONDS.labels(kind).observe(seconds)


def add_gauges(app: Flask, source: Callable[[], Iterable[GaugeMetricFamily]]) -> None:
    """Add gauges computed at scrape time (queue depth, jobs by status) from a domain."""
    app.extensions.setdefault(GAUGE_SOURCES, []).append(source)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the event's own fields."""

    FIELDS = ("request_id", "method", "endpoint", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        for name in self.FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


JsonLogFormatter.converter = time.gmtime


def configure_logging(app: Flask) -> None:
    """Text lines in development, JSON lines in production (`REGISTRY_LOG_FORMAT` overrides).

    Like logging.basicConfig, this adds one stderr handler to the root logger
    and leaves handlers someone else installed (a test runner's) alone.
    """
    chosen = app.config.get("LOG_FORMAT") or ("json" if app.config.get("ENV") == "production" else "text")
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "registry_handler", False)]
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.registry_handler = True
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        ours = [handler]
    for handler in ours:
        handler.setFormatter(JsonLogFormatter() if chosen == "json"
                             else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))


def _allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False)
               for network in current_app.config["METRICS_ALLOWED_NETWORKS"])


class _ScrapeTimeGauges:
    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        for source in self.app.extensions.get(GAUGE_SOURCES, []):
            with self.app.app_context():
                try:
                    yield from source()
                except Exception:  # noqa: BLE001 - a failing source must not break the scrape
                    log.warning("a metrics source failed", exc_info=True)


def metrics_response() -> Response:
    if not _allowed(request.remote_addr):
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    output = generate_latest(registry)
    scrape = CollectorRegistry()
    scrape.register(_ScrapeTimeGauges(current_app._get_current_object()))
    return Response(output + generate_latest(scrape), mimetype=CONTENT_TYPE_LATEST)


def request_id_for(incoming: str) -> str:
    """The request id: a well-formed incoming `X-Request-ID`, else a new one."""
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def record_request(method: str, endpoint: str, status: int, seconds: float, request_id: str) -> None:
    """The request's metrics and its log line (Flask's answers, and answers made in front of Flask)."""
    HTTP_REQUESTS.labels(endpoint, method, str(status)).inc()
    HTTP_SECONDS.labels(endpoint, method).observe(seconds)
    log.info("%s %s %s", method, endpoint, status,
             extra={"request_id": request_id, "method": method, "endpoint": endpoint, "status": status,
                    "duration_ms": round(seconds * 1000, 1)})


def init_app(app: Flask) -> None:
    """Request ids, the request log, the request metrics and /metrics."""
    configure_logging(app)

    @app.before_request
    def start_request():
        g.request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        endpoint = request.url_rule.rule if request.url_rule is not None else "(no route)"
        response.headers["X-Request-ID"] = g.request_id
        record_request(request.method, endpoint, response.status_code, seconds, g.request_id)
        return response

    app.add_url_rule("/metrics", "metrics", metrics_response)
