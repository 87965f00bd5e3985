"""本人信息管理: six sections, each a form and an API resource, every edit a new version."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.core import clock
from tests.factories.http import api_post, form_post, log_in
from tests.factories.workers import make_worker
from workers.profile.models import ProfileVersion

API = "/api/v1/workers/me/profile"


def put(client, section, body):
    return api_post(client, f"{API}/{section}", body, method="put")


def today_plus(days: int) -> str:
    return (clock.china_today() + dt.timedelta(days=days)).isoformat()


VALID = {
    "basic": {"hometown": "四川省成都市", "ethnicity": "汉族", "education": "senior_high",
              "languages": ["普通话", "四川话"]},
    "service": {"service_types": ["cleaning", "eldercare"], "skills": ["做饭"], "years_experience": 5,
                "certificates": [{"name": "养老护理员", "number": "CERT-123456", "level": "四级"}]},
    "insurance": {"entries": [{"insurer": "中国人寿", "kind": "意外险", "policy_number": "POL-987654",
                               "valid_from": "2026-01-01", "valid_to": "2099-12-31"}]},
    "work": {"entries": [{"employer": "阳光家政", "role": "保洁员", "from": "2020-03-01", "to": None}]},
    "training": {"entries": [{"course": "母婴护理", "issuer": "人社局", "certificate_number": "T-1",
                              "grade": "合格", "date": "2024-05-01"}]},
    "health": {"entries": [{"institution": "社区医院", "date": "2026-01-10", "result": "合格",
                            "valid_until": "2099-01-10"}]},
}


def test_every_section_saves_as_a_version(client, db_session):
    account = make_worker()
    log_in(client, account)
    empty = client.get(API).get_json()["sections"]
    assert [s["section"] for s in empty] == ["basic", "service", "insurance", "work", "training", "health"]
    assert all(s["version"] is None for s in empty)
    for section, body in VALID.items():
        response = put(client, section, body)
        assert response.status_code == 200, (section, response.get_json())
        assert response.get_json()["version"] == 1
    current = {s["section"]: s for s in client.get(API).get_json()["sections"]}
    assert current["service"]["data"]["certificates"][0]["number"] == "CERT-123456"
    assert current["work"]["data"]["entries"][0]["from"] == "2020-03-01"
    # Sensitive numbers are not stored in the clear.
    raw = db_session.execute(sa.text("SELECT content FROM worker_profile_version")).scalars().all()
    assert all(b"POL-987654" not in bytes(r) and b"CERT-123456" not in bytes(r) for r in raw)


def test_edit_adds_version_and_keeps_history(client, db_session):
    account = make_worker()
    log_in(client, account)
    put(client, "basic", VALID["basic"])
    changed = put(client, "basic", {**VALID["basic"], "hometown": "重庆", "base_version": 1})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    # Saving the same again (a double submission) adds nothing.
    assert put(client, "basic", {**VALID["basic"], "hometown": "重庆"}).get_json()["version"] == 2
    history = client.get(f"{API}/basic/versions").get_json()["items"]
    assert [h["version"] for h in history] == [2, 1] and history[1]["data"]["hometown"] == "四川省成都市"
    assert client.get(f"{API}/basic").get_json()["data"]["hometown"] == "重庆"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ProfileVersion)
                             .where(ProfileVersion.current.is_(True))) == 1


def test_stale_base_version_is_refused(client, db_session):
    account = make_worker()
    log_in(client, account)
    put(client, "basic", VALID["basic"])
    put(client, "basic", {**VALID["basic"], "hometown": "重庆"})
    stale = put(client, "basic", {**VALID["basic"], "hometown": "贵州", "base_version": 1})
    assert stale.status_code == 409 and stale.get_json()["code"] == "version_conflict"
    assert client.get(f"{API}/basic").get_json()["data"]["hometown"] == "重庆"


def test_invalid_sections_change_nothing(client, db_session):
    account = make_worker()
    log_in(client, account)
    bad = [
        ("basic", {"education": "phd"}),
        ("basic", {"languages": "普通话"}),
        ("basic", {"unknown": 1}),
        ("service", {"service_types": ["space_travel"]}),
        ("service", {"years_experience": -1}),
        ("service", {"certificates": [{"name": "证书"}]}),
        ("insurance", {"entries": [{**VALID["insurance"]["entries"][0], "valid_to": "2025-01-01"}]}),
        ("insurance", {}),
        ("work", {"entries": [{"employer": "x", "role": "y", "from": "not a date"}]}),
        ("training", {"entries": [{"course": "", "issuer": "x", "date": "2024-01-01"}]}),
        ("health", {"entries": [{"institution": "x", "date": "2026-01-01", "result": "ok",
                                 "valid_until": "2025-01-01"}]}),
        ("health", {"entries": [{}] * 31}),
        ("basic", {"base_version": "1"}),
    ]
    for section, body in bad:
        response = put(client, section, body)
        assert response.status_code == 422, (section, body, response.get_json())
    assert put(client, "hobbies", {}).status_code == 404
    assert client.get(f"{API}/hobbies").status_code == 404
    assert client.get(f"{API}/hobbies/versions").status_code == 404
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ProfileVersion)) == 0


def test_expiring_and_expired_entries_are_flagged(client, db_session):
    account = make_worker()
    log_in(client, account)
    policy = VALID["insurance"]["entries"][0]
    put(client, "insurance", {"entries": [
        {**policy, "valid_to": today_plus(10)}, {**policy, "valid_to": today_plus(-1)},
        {**policy, "valid_to": today_plus(31)}]})
    put(client, "health", {"entries": [{**VALID["health"]["entries"][0], "date": today_plus(-300),
                                        "valid_until": today_plus(30)}]})
    sections = {s["section"]: s for s in client.get(API).get_json()["sections"]}
    assert [(f["index"], f["state"]) for f in sections["insurance"]["flags"]] == [(0, "expiring"), (1, "expired")]
    assert [f["state"] for f in sections["health"]["flags"]] == ["expiring"]
    page = client.get("/workers/profile").get_data(as_text=True)
    assert "flag-expired" in page and "flag-expiring" in page


def test_section_forms(client, db_session):
    account = make_worker()
    log_in(client, account)
    assert client.get("/workers/profile").status_code == 200
    for section in VALID:
        assert client.get(f"/workers/profile/{section}").status_code == 200
    assert client.get("/workers/profile/hobbies").status_code == 404
    basic = form_post(client, "/workers/profile/basic", {"hometown": "四川", "ethnicity": "彝族", "education": "",
                                                         "languages": "普通话，彝语", "base_version": "0"})
    assert basic.status_code == 302
    data = client.get(f"{API}/basic").get_json()["data"]
    assert data["languages"] == ["普通话", "彝语"] and data["education"] is None
    insurance = form_post(client, "/workers/profile/insurance", {
        "base_version": "0", "entries-0-insurer": "平安", "entries-0-kind": "意外险",
        "entries-0-policy_number": "P-1", "entries-0-valid_from": "2026-01-01", "entries-0-valid_to": "2026-12-31",
        "entries-1-insurer": "", "entries-1-kind": ""})
    assert insurance.status_code == 302
    assert len(client.get(f"{API}/insurance").get_json()["data"]["entries"]) == 1
    bad = form_post(client, "/workers/profile/insurance", {
        "base_version": "1", "entries-0-insurer": "平安", "entries-0-valid_from": "2026-01-01",
        "entries-0-valid_to": "2025-12-31"})
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    service = form_post(client, "/workers/profile/service", {
        "service_types": ["cleaning", "cooking"], "skills": "做饭、收纳", "years_experience": "3",
        "certificates-0-name": "家政服务员", "certificates-0-number": "C-9", "certificates-0-level": "",
        "base_version": "0"})
    assert service.status_code == 302
    assert client.get(f"{API}/service").get_json()["data"]["certificates"][0]["level"] is None
    bad_service = form_post(client, "/workers/profile/service", {"service_types": ["nope"], "years_experience": "x",
                                                                 "base_version": "1"})
    assert bad_service.status_code == 422
    stale = form_post(client, "/workers/profile/basic", {"hometown": "云南", "base_version": "0"})
    assert stale.status_code == 422 and "error-box" in stale.get_data(as_text=True)
    assert client.get(f"{API}/basic").get_json()["data"]["hometown"] == "四川"


def test_an_empty_end_date_is_a_current_job(client, db_session):
    """结束日期（至今请留空）: leaving `to` empty saves an open end (null), on the page and through the API."""
    account = make_worker()
    log_in(client, account)
    saved = form_post(client, "/workers/profile/work", {
        "base_version": "0", "entries-0-employer": "阳光家政", "entries-0-role": "保洁员",
        "entries-0-from": "2020-03-01", "entries-0-to": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    entry = client.get(f"{API}/work").get_json()["data"]["entries"][0]
    assert entry["from"] == "2020-03-01" and entry["to"] is None
    by_api = put(client, "work", {"entries": [{"employer": "好帮手", "role": "育儿嫂", "from": "2023-01-01",
                                               "to": ""}], "base_version": 1})
    assert by_api.status_code == 200, by_api.get_json()
    assert by_api.get_json()["data"]["entries"][0]["to"] is None
    # A start date is still needed, and an end before the start is still refused.
    no_start = put(client, "work", {"entries": [{"employer": "x", "role": "y", "from": "", "to": ""}]})
    assert no_start.status_code == 422
    backwards = put(client, "work", {"entries": [{"employer": "x", "role": "y", "from": "2023-01-01",
                                                  "to": "2022-01-01"}]})
    assert backwards.status_code == 422
    # The profile page says the job goes on to the present.
    page = client.get("/workers/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2023-01-01 – present" in page


def test_length_refusals_and_lists_read_in_the_readers_language(client, db_session):
    account = make_worker()
    log_in(client, account)
    client.get("/?lang=en")
    too_long = put(client, "basic", {**VALID["basic"], "hometown": "川" * 101})
    assert too_long.get_json()["fields"]["hometown"] == ["Enter at most 100 characters."]
    too_many = put(client, "training", {"entries": VALID["training"]["entries"] * 31})
    assert too_many.get_json()["fields"]["entries"] == ["Give at most 30 entries."]
    put(client, "service", {"service_types": ["maternity", "childcare"], "skills": ["做饭", "收纳"]})
    english = client.get("/workers/profile").get_data(as_text=True)
    assert "Maternity nurse, Childcare" in english and "做饭, 收纳" in english and "、" not in english
    chinese = client.get("/workers/profile?lang=zh").get_data(as_text=True)
    assert "做饭、收纳" in chinese
