"""The HTTP gateway backend against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa

from registry.accounts.sms import HttpGatewayBackend, SmsDeliveryError
from registry.core.extensions import db
from registry.jobs import services as jobs
from registry.jobs.models import Job
from tests.factories.app import make_app
from tests.factories.http import api_post


class Recorder(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Recorder.received.append((dict(self.headers), self.rfile.read(length)))
        self.send_response(Recorder.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.received = []
    Recorder.status = 200
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()
    server.server_close()


def test_gateway_posts_templated_json_with_headers(gateway):
    backend = HttpGatewayBackend(gateway, {"Authorization": "Bearer t0ken"},
                                 '{"to": "{phone}", "content": "{message}", "sign": "家政"}')
    backend.send("13812345678", '验证码 123456 "quoted" \\ back')
    headers, body = Recorder.received[0]
    assert headers["Authorization"] == "Bearer t0ken"
    assert json.loads(body) == {"to": "13812345678", "content": '验证码 123456 "quoted" \\ back', "sign": "家政"}


def test_gateway_refusal_and_unreachable(gateway):
    Recorder.status = 500
    with pytest.raises(SmsDeliveryError, match="HTTP 500"):
        HttpGatewayBackend(gateway, {}, '{"p": "{phone}", "m": "{message}"}').send("13812345678", "x")
    with pytest.raises(SmsDeliveryError, match="could not be reached"):
        HttpGatewayBackend("http://127.0.0.1:9/none", {}, "{}", timeout=0.5).send("13812345678", "x")


@pytest.mark.own_app
def test_a_provider_failure_is_retried_by_the_job_and_never_sent_twice(tmp_path, gateway, move_clock):
    app = make_app(f"sqlite:///{tmp_path}/g.sqlite", str(tmp_path), SMS_BACKEND="http", SMS_GATEWAY_URL=gateway,
                   SMS_GATEWAY_BODY_TEMPLATE='{"to": "{phone}", "text": "{message}", "ref": "{reference}"}')
    client = app.test_client()
    ok = api_post(client, "/api/v1/sms/codes", {"phone": "13812345678", "purpose": "register"})
    assert ok.status_code == 202 and b"13812345678" in Recorder.received[0][1]
    Recorder.status = 502
    # The request does not wait for the provider: the code is issued and its message is a job.
    queued = api_post(client, "/api/v1/sms/codes", {"phone": "13812345679", "purpose": "register"})
    assert queued.status_code == 202 and len(Recorder.received) == 2
    with app.app_context():
        job = db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(1)).one()
        assert (job.status, job.attempts, job.last_error) == ("pending", 1, "SmsDeliveryError")
        Recorder.status = 200
        move_clock(dt.timedelta(seconds=6))  # past the first pause (5 s): the queue hands the job out again
        assert jobs.deliver(job.id) == "done"
        db.session.refresh(job)
        assert job.status == "done" and job.payload is None
        assert len(Recorder.received) == 3
        assert json.loads(Recorder.received[2][1])["ref"] == f"job-{job.id}"  # lets the provider drop repeats
        assert jobs.recover() == 0 and len(Recorder.received) == 3
        db.engine.dispose()
