"""The HTTP gateway backend against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from registry.accounts.sms import HttpGatewayBackend, SmsDeliveryError
from registry.core.extensions import db
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
def test_app_with_gateway_answers_503_when_provider_fails(tmp_path, gateway):
    app = make_app(f"sqlite:///{tmp_path}/g.sqlite", str(tmp_path), SMS_BACKEND="http", SMS_GATEWAY_URL=gateway)
    client = app.test_client()
    ok = api_post(client, "/api/v1/sms/codes", {"phone": "13812345678", "purpose": "register"})
    assert ok.status_code == 202 and b"13812345678" in Recorder.received[0][1]
    Recorder.status = 502
    failed = api_post(client, "/api/v1/sms/codes", {"phone": "13812345679", "purpose": "register"})
    assert failed.status_code == 503 and failed.get_json()["code"] == "sms_unavailable"
    with app.app_context():
        assert db.session.execute(db.text("SELECT count(*) FROM sms_code")).scalar() == 1
        db.engine.dispose()
