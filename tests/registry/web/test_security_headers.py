"""Security headers on every answer: CSP with nonces, no framing, nosniff, referrer policy,
the camera only where a page captures, HSTS in production."""
from __future__ import annotations

import re

import pytest

from tests.factories.accounts import make_account
from tests.factories.app import make_app
from tests.factories.http import log_in
from tests.factories.workers import make_worker


def csp(response) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in response.headers["Content-Security-Policy"].split(";")) if part}


def test_pages_and_api_carry_the_headers(client):
    for response in (client.get("/"), client.get("/api/v1/articles"), client.get("/no-such-page")):
        policy = csp(response)
        assert "'unsafe-inline'" not in policy["script-src"] and "'self'" in policy["script-src"]
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in response.headers["Permissions-Policy"]


def test_inline_scripts_carry_the_requests_nonce(client, db_session):
    log_in(client, make_worker())
    first, second = client.get("/workers/enterprises"), client.get("/workers/enterprises")
    assert first.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in first.get_data(as_text=True)
    assert nonce not in second.headers["Content-Security-Policy"]  # a fresh nonce each answer
    assert "onclick=" not in first.get_data(as_text=True)


def test_the_camera_is_allowed_only_on_capture_pages(client, db_session):
    log_in(client, make_account(role="consumer"))
    page = client.get("/scan")
    assert page.status_code == 200 and page.headers["Permissions-Policy"].startswith("camera=(self)")
    assert "camera=()" in client.get("/me").headers["Permissions-Policy"]


@pytest.mark.own_app
def test_production_sends_hsts_over_https(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/p.sqlite", str(tmp_path), ENV="production", SMS_OUTBOX_IN_PRODUCTION=True)
    client = app.test_client()
    secure = client.get("/", base_url="https://registry.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Content-Security-Policy" in secure.headers
