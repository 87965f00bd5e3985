"""Enterprise pages in the page store: profiles exact to their row, searches kept a short time."""
from __future__ import annotations

import datetime as dt

from registry.enterprises import services
from registry.web import caching
from tests.factories.enterprises import make_enterprise

RECORD = {"kind": "penalty", "occurred_on": dt.date(2024, 1, 5), "authority": "市场监督管理局",
          "summary": "新加的处罚记录", "document_number": "京市监〔2024〕1号", "source": "test", "valid_until": None}


def test_a_profile_shows_a_new_record_at_once(client, page_cache, db_session):
    enterprise = make_enterprise("缓存测试家政有限公司")
    first = client.get(f"/enterprises/{enterprise.credit_code}")
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("public")
    assert client.get(f"/enterprises/{enterprise.credit_code}").headers["ETag"] == first.headers["ETag"]
    services.save_record(enterprise, None, RECORD, actor_id=None)
    again = client.get(f"/enterprises/{enterprise.credit_code}")
    assert again.headers["ETag"] != first.headers["ETag"] and "新加的处罚记录" in again.get_data(as_text=True)
    api = client.get(f"/api/v1/enterprises/{enterprise.credit_code.lower()}")
    assert api.status_code == 200 and "新加的处罚记录" in str(api.get_json())


def test_a_search_answer_is_kept_for_its_time_to_live(app, client, page_cache, db_session, monkeypatch):
    make_enterprise("甲乙家政服务有限公司")
    assert client.get("/api/v1/enterprises?q=甲乙").get_json()["total"] == 1
    make_enterprise("甲乙保洁服务有限公司")
    assert client.get("/api/v1/enterprises?q=甲乙").get_json()["total"] == 1  # kept
    later = caching.time.monotonic() + app.config["ENTERPRISE_CACHE_SECONDS"] + 1
    monkeypatch.setattr(caching.time, "monotonic", lambda: later)
    assert client.get("/api/v1/enterprises?q=甲乙").get_json()["total"] == 2


def test_refusals_are_not_stored(client, page_cache, db_session):
    enterprise = make_enterprise()
    wrong = enterprise.credit_code[:-1] + ("0" if enterprise.credit_code[-1] != "0" else "1")
    for _round in range(2):
        assert client.get(f"/enterprises/{wrong}").status_code == 422
        assert client.get("/enterprises/91110105MA0000000X").status_code in (404, 422)
        assert client.get("/api/v1/enterprises?q=x").status_code == 422
        assert client.get("/enterprises?page=0&q=甲乙").status_code == 422
