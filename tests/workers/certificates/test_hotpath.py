"""The scan-verify fast path: the same checks and answers as the Flask view, without its machinery."""
from __future__ import annotations

import datetime as dt

import pytest

from registry.accounts.services import erase_account
from workers.certificates import hotpath
from workers.certificates import services as certificates
from workers.models import RegistrationStep

URL = "/api/v1/certificates/verification"


@pytest.fixture
def counted_calls(monkeypatch):
    """Every call the fast path answers itself, by what it answered."""
    answered = []
    original = hotpath.VerificationFastPath._answer

    def spy(self, environ, start_response, body, started):
        answered.append(body)
        return original(self, environ, start_response, body, started)

    monkeypatch.setattr(hotpath.VerificationFastPath, "_answer", spy)
    return answered


def test_a_valid_token_is_answered_by_the_fast_path_with_the_views_shape(client, worker_account, counted_calls):
    _, worker = worker_account
    shown = certificates.show(worker)
    response = client.get(URL, query_string={"token": shown.token}, headers={"X-Request-ID": "scan-12345678"})
    assert response.status_code == 200 and len(counted_calls) == 1
    data = response.get_json()
    assert data == {"valid": True, "status": "active", "expires_at": data["expires_at"]}
    assert abs(dt.datetime.fromisoformat(data["expires_at"]) - shown.expires_at) < dt.timedelta(seconds=2)
    assert response.headers["X-Request-ID"] == "scan-12345678"
    # The security headers every Flask answer carries (talisman), here too.
    flask_answer = client.get(URL, query_string={"token": shown.token[:-4] + "AAAA"})
    assert len(counted_calls) == 1 and flask_answer.status_code == 422
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"):
        assert response.headers[name] == flask_answer.headers[name], name
    assert flask_answer.headers["Content-Security-Policy"].startswith(
        response.headers["Content-Security-Policy"].split("; script-src")[0])
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_departure_revocation_and_withdrawal_take_effect_at_once(client, worker_account, db_session, move_clock,
                                                                 counted_calls):
    account, worker = worker_account
    token = certificates.show(worker).token
    move_clock(dt.timedelta(seconds=1))
    worker.due_on = dt.date.today() - dt.timedelta(days=2)
    db_session.flush()
    assert client.get(URL, query_string={"token": token}).get_json()["status"] == "departed"
    worker.due_on = dt.date.today() + dt.timedelta(days=20)
    worker.registration_step = RegistrationStep.AUTHORIZATION.value
    db_session.flush()
    refused = client.get(URL, query_string={"token": token})
    assert refused.status_code == 422 and refused.get_json()["code"] == "certificate_inactive"
    worker.registration_step = RegistrationStep.COMPLETE.value
    db_session.flush()
    assert client.get(URL, query_string={"token": token}).status_code == 200
    certificates.revoke(certificates.active_certificate(worker), "伪造资料", None)
    db_session.flush()
    refused = client.get(URL, query_string={"token": token})
    assert refused.status_code == 422 and refused.get_json()["code"] == "certificate_revoked"
    assert len(counted_calls) == 2


def test_deleted_account_token_names_nothing(client, worker_account):
    account, worker = worker_account
    token = certificates.show(worker).token
    erase_account(account)
    refused = client.get(URL, query_string={"token": token})
    assert refused.status_code == 422 and refused.get_json()["code"] == "certificate_unknown"


@pytest.mark.parametrize("query, code", [
    ("", "validation_error"),
    ("token=", "validation_error"),
    ("token=abc", "token_malformed"),
    ("token=a.b.c", "token_malformed"),
    ("token=%ff%fe.x.y", "token_malformed"),
    ("token=" + "A" * 1100, "validation_error"),
    ("tok=1&token=a.b.c", "validation_error"),  # unknown fields are refused, as by every query schema
])
def test_bad_queries_get_a_json_422(client, db_session, query, code):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422 and response.get_json()["code"] == code


def test_an_expired_token_is_refused(client, worker_account, move_clock):
    _, worker = worker_account
    token = certificates.show(worker).token
    move_clock(certificates.token_lifetime() + dt.timedelta(seconds=1))
    refused = client.get(URL, query_string={"token": token})
    assert refused.status_code == 422 and refused.get_json()["code"] == "token_expired"


def test_every_call_counts_against_the_address_limit_once(app, client, worker_account, monkeypatch, counted_calls):
    _, worker = worker_account
    token = certificates.show(worker).token
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3/minute")
    address = {"REMOTE_ADDR": "10.77.0.3"}
    assert client.get(URL, query_string={"token": token}, environ_base=address).status_code == 200
    assert client.get(URL, query_string={"token": "x.y.z"}, environ_base=address).status_code == 422  # counts
    assert client.get(URL, query_string={"token": token}, environ_base=address).status_code == 200
    limited = client.get(URL, query_string={"token": token}, environ_base=address)
    assert limited.status_code == 429 and limited.get_json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    # Another address has its own allowance.
    assert client.get(URL, query_string={"token": token}, environ_base={"REMOTE_ADDR": "10.77.0.4"}).status_code == 200
    assert len(counted_calls) == 3
