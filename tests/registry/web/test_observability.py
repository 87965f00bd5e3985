"""One structured log event per request (request id, rule, status, time; no personal field),
and Prometheus metrics that only configured addresses may read."""
from __future__ import annotations

import json
import logging

from registry.web.observability import JsonLogFormatter
from tests.factories.accounts import make_phone


def test_metrics_answer_configured_addresses_only(client, db_session):
    client.get("/healthz")
    scraped = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert scraped.status_code == 200
    text = scraped.get_data(as_text=True)
    assert 'registry_http_requests_total{endpoint="/healthz",method="GET",status="200"}' in text
    assert "registry_http_request_duration_seconds_bucket" in text
    assert 'registry_jobs{status="dead"}' in text and "registry_queue_depth" in text
    assert "registry_face_check_duration_seconds" in text and "registry_job_duration_seconds" in text
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_every_answer_carries_a_request_id_and_a_good_one_is_kept(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"}).headers["X-Request-ID"] == "lb-1234abcd"
    for bad in ("short", "a b c d e f g h", "<script>alert(1)</script>", "x" * 65):
        assert client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"] != bad


def test_the_request_event_names_the_rule_never_the_path_or_query(client, db_session, caplog):
    caplog.set_level(logging.INFO, logger="registry.request")
    phone = make_phone()
    client.get(f"/news/123456?phone={phone}")
    (event,) = [r for r in caplog.records if r.name == "registry.request"]
    assert (event.method, event.endpoint, event.status) == ("GET", "/news/<int:article_id>", 404)
    assert event.request_id and event.duration_ms >= 0
    assert phone not in caplog.text and "123456" not in caplog.text


def test_json_log_lines_hold_the_event_fields():
    record = logging.LogRecord("registry.request", logging.INFO, __file__, 1, "%s %s %s", ("GET", "/x", 200), None)
    record.request_id, record.method, record.endpoint, record.status, record.duration_ms = "r1", "GET", "/x", 200, 1.5
    line = json.loads(JsonLogFormatter().format(record))
    assert line["message"] == "GET /x 200" and line["level"] == "info" and line["logger"] == "registry.request"
    assert (line["request_id"], line["status"], line["duration_ms"]) == ("r1", 200, 1.5)
    assert line["ts"].endswith("Z")
