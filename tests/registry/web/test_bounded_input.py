"""Bounded input in one place: JSON size, depth and number range before any schema, 405 with Allow,
over-long addresses answered in the app's own shape, and nothing changed by a refused request."""
from __future__ import annotations

import json

import pytest

from registry.web.api import MAX_JSON_BYTES, _too_deep
from tests.factories.accounts import make_account
from tests.factories.http import csrf_token, log_in
from tests.factories.workers import make_worker


@pytest.fixture
def worker_client(client, db_session):
    log_in(client, make_worker())
    return client


def raw_post(client, url, body: str, method="post"):
    return getattr(client, method)(url, data=body, content_type="application/json",
                                   headers={"X-CSRFToken": csrf_token(client)})


@pytest.mark.parametrize("number", [2**31, 2**63, 9223372036854775808, -(2**31) - 1, 10**400])
def test_numbers_past_the_databases_range_are_refused_with_422(worker_client, number):
    response = raw_post(worker_client, "/api/v1/workers/me/check-ins", json.dumps({"face_check_id": number}))
    assert response.status_code == 422 and response.get_json()["code"] == "validation_error"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(worker_client, literal):
    response = raw_post(worker_client, "/api/v1/workers/me/check-ins", f'{{"face_check_id": {literal}}}')
    assert response.status_code == 422


def test_deep_nesting_is_refused_before_parsing(worker_client):
    body = '{"hometown": ' + "[" * 5000 + "]" * 5000 + "}"
    response = raw_post(worker_client, "/api/v1/workers/me/profile/basic", body, method="put")
    assert response.status_code == 400 and response.get_json()["code"] == "json_too_deep"
    assert not _too_deep(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 20)  # inside a string
    assert _too_deep(b"[" * 21, 20) and not _too_deep(b"[" * 20, 20)


def test_a_body_past_the_size_limit_is_refused(worker_client):
    body = json.dumps({"hometown": "x" * (MAX_JSON_BYTES + 10)})
    response = raw_post(worker_client, "/api/v1/workers/me/profile/basic", body, method="put")
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"


def test_an_operators_upload_with_a_huge_account_id_is_refused(client, db_session):
    log_in(client, make_account(role="admin", name="运营"))
    response = client.post("/api/v1/face/references", data={"account_id": str(2**63), "csrf_token": csrf_token(client)},
                           headers={"X-CSRFToken": csrf_token(client)}, content_type="multipart/form-data")
    assert response.status_code == 422 and "account_id" in response.get_json()["fields"]


def test_a_wrong_method_says_which_are_allowed(client):
    response = client.delete("/api/v1/articles")
    assert response.status_code == 405 and response.get_json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    assert "GET" in client.put("/news").headers["Allow"]


def test_an_over_long_address_is_answered_in_the_apps_shape(client):
    api = client.get("/api/v1/articles?q=" + "x" * 5000)
    assert api.status_code == 414 and api.get_json()["code"] == "uri_too_long"
    page = client.get("/news?q=" + "x" * 5000)
    assert page.status_code == 414 and "text/html" in page.headers["Content-Type"]
    assert client.get("/healthz?pad=" + "x" * 1000).status_code == 200
