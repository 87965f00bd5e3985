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
