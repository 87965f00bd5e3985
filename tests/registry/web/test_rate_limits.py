"""The public certificate verification has a per-address limit a household never reaches, answered 429."""
from __future__ import annotations

import pytest

from tests.factories.app import make_app

pytestmark = pytest.mark.own_app


def test_one_address_checking_tokens_in_a_flood_is_refused_others_are_not(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/r.sqlite", str(tmp_path), VERIFY_RATE_LIMIT="5/minute")
    client = app.test_client()
    flood = [client.get("/api/v1/certificates/verification?token=x.y.z",
                        environ_base={"REMOTE_ADDR": "203.0.113.7"}) for _ in range(7)]
    assert all(r.status_code != 429 for r in flood[:5])
    refused = flood[5]
    assert refused.status_code == 429 and refused.get_json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    other = client.get("/api/v1/certificates/verification?token=x.y.z", environ_base={"REMOTE_ADDR": "203.0.113.8"})
    assert other.status_code != 429
    assert app.view_functions["workers.api_verify_token"] is not None
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/certificates/verification" in document["paths"]


def test_enterprise_lookups_are_limited_per_address_on_pages_and_api_alike(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/r.sqlite", str(tmp_path), LOOKUP_RATE_LIMIT="4/minute")
    client = app.test_client()
    crawler = {"REMOTE_ADDR": "203.0.113.9"}
    answers = [client.get("/api/v1/enterprises?q=家政", environ_base=crawler),
               client.get("/api/v1/enterprises/91320100MA1XXXXX0X", environ_base=crawler),
               client.get("/enterprises?q=家政", environ_base=crawler),
               client.get("/enterprises/91320100MA1XXXXX0X", environ_base=crawler)]
    assert [r.status_code for r in answers] == [200, 404, 200, 404]
    refused_api = client.get("/api/v1/enterprises?q=家政", environ_base=crawler)
    assert refused_api.status_code == 429 and refused_api.get_json()["code"] == "rate_limited"
    assert int(refused_api.headers["Retry-After"]) >= 1
    refused_page = client.get("/enterprises?q=家政", environ_base=crawler, headers={"Accept-Language": "zh-CN"})
    assert refused_page.status_code == 429 and "text/html" in refused_page.content_type
    assert "请求过于频繁" in refused_page.get_data(as_text=True)
    assert client.get("/api/v1/enterprises?q=家政", environ_base={"REMOTE_ADDR": "203.0.113.10"}).status_code == 200


def test_code_guessing_over_many_phones_from_one_address_is_refused(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/r.sqlite", str(tmp_path), SIGN_IN_RATE_LIMIT="3/minute")
    client = app.test_client()
    token = client.get("/api/v1/session/csrf").get_json()["csrf_token"]
    guesser = {"REMOTE_ADDR": "203.0.113.11"}
    tries = [client.post("/api/v1/session", json={"phone": f"1381234{n:04d}", "code": "123456"},
                         headers={"X-CSRFToken": token}, environ_base=guesser) for n in range(4)]
    assert [r.status_code for r in tries[:3]] == [400, 400, 400]
    assert tries[3].status_code == 429 and tries[3].get_json()["code"] == "rate_limited"
    # The login page shows its form freely; its submissions count against the same address.
    assert client.get("/login", environ_base=guesser).status_code == 200
    page = client.post("/login", data={"phone": "13812340009", "code": "123456", "csrf_token": token},
                       environ_base=guesser)
    assert page.status_code == 429
