"""Scanning, the worker's face approval, the household's view, revocation and refusals."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from consent.grants import DataAccess, ViewGrant
from registry.accounts.services import erase_account
from registry.audit.models import AuditEvent
from registry.core import clock
from registry.core.signing import KeyRing, b64url, b64url_decode
from registry.core.tokens import issue
from registry.feeds import services as feeds
from tests.factories.accounts import make_account, wait_for_resend
from tests.factories.consumers import ALL_SECTIONS, approve, scan
from tests.factories.face import make_face_check
from tests.factories.http import api_post, form_post, log_in
from tests.factories.workers import make_worker
from workers.certificates import services as certificates
from workers.identity import services as identity
from workers.identity.models import IdentityRecord
from workers.models import RegistrationStep, Worker
from workers.profile import services as profile
from workers.profile.schemas import SECTION_SCHEMAS


def test_scan_approve_view_revoke(setup, db_session):
    account, worker, worker_client, household_client = setup
    token = certificates.show(worker).token
    scanned = scan(household_client, token)
    assert scanned.status_code == 200
    result = scanned.get_json()
    assert result["status"] == "active" and result["worker_name"] == "周*桐" and result["request_state"] == "pending"
    # The worker is told, in the app and by SMS.
    pending = worker_client.get("/api/v1/workers/me/view-requests").get_json()
    assert [p["id"] for p in pending] == [result["request_id"]] and pending[0]["consumer_name"] == "郑*"
    assert "请求查看您的信用信息" in worker_client.get(f"/api/v1/dev/outbox?phone={account.phone}").get_json()[
        "items"][0]["body"]
    granted = approve(worker_client, account, result["request_id"])
    assert granted.status_code == 201
    grant_id = granted.get_json()["id"]
    state = household_client.get(f"/api/v1/view-requests/{result['request_id']}").get_json()
    assert state["state"] == "approved" and state["grant_id"] == grant_id
    view = household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()
    keys = [s["key"] for s in view["sections"]]
    assert keys == ALL_SECTIONS
    sections = {s["key"]: s for s in view["sections"]}
    assert sections["tax"]["data"] is None and sections["basic"]["data"]["name"] == "周*桐"
    # Every read is logged and visible to the worker; a section without data was not read, so it is not logged.
    assert [r.section for r in db_session.scalars(sa.select(DataAccess))] == ["basic"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.kind == "grant.read")) == 1
    given = worker_client.get("/api/v1/workers/me/grants").get_json()
    assert given[0]["id"] == grant_id and [r["section_name"] for r in given[0]["reads"]] == ["基本信息"]
    # Revocation refuses the very next read, with the reason.
    assert api_post(worker_client, f"/api/v1/workers/me/grants/{grant_id}/revocation").status_code == 200
    refused = household_client.get(f"/api/v1/grants/{grant_id}/view")
    assert refused.status_code == 410 and refused.get_json()["code"] == "grant_revoked"


def test_feed_data_appears_with_source_and_date(setup, db_session):
    account, worker, worker_client, household_client = setup
    report = feeds.ImportReport()
    feeds.import_lines("background_check", [(1, json.dumps({"id_number": account.id_number, "source": "公安机关",
                                                             "as_of": "2026-10-01", "result": "no_record"}))], report)
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    grant_id = approve(worker_client, account, request_id).get_json()["id"]
    page = household_client.get(f"/views/{grant_id}").get_data(as_text=True)
    assert "公安机关" in page and "2026年10月1日" in page
    section = {s["key"]: s for s in household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()["sections"]}
    assert section["background_check"]["data"]["result"] == "no_record"
    assert section["background_check"]["source"] == "公安机关"


def test_grant_expires(setup, db_session, move_clock, household):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    grant_id = approve(worker_client, account, request_id).get_json()["id"]
    move_clock(dt.timedelta(hours=24, seconds=1))
    log_in(household_client, household)  # a day later the household's own login has ended too
    response = household_client.get(f"/api/v1/grants/{grant_id}/view")
    assert response.status_code == 410 and response.get_json()["code"] == "grant_expired"


def test_departed_worker_shows_nothing_more(setup, db_session):
    account, worker, _, household_client = setup
    token = certificates.show(worker).token
    worker.due_on = dt.date(2000, 1, 1)
    db_session.flush()
    result = scan(household_client, token).get_json()
    assert result == {"status": "departed", "worker_name": None, "request_id": None, "request_state": None,
                      "message": result["message"], "status_code": "red",
                      "status_code_label": result["status_code_label"], "status_code_about": result["status_code_about"]}
    assert "工作状态" in result["status_code_about"]  # what the red is about, nothing personal
    assert "离职" in result["message"]
    page = household_client.post("/scan", data={"scanned": token,
                                                "csrf_token": household_client.get(
                                                    "/api/v1/session/csrf").get_json()["csrf_token"]})
    assert "离职" in page.get_data(as_text=True) and "周" not in page.get_data(as_text=True).split("<main")[1]


def test_declined_and_expired_requests(setup, db_session, move_clock):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    declined = api_post(worker_client, f"/api/v1/workers/me/view-requests/{request_id}/decline")
    assert declined.status_code == 200 and declined.get_json()["state"] == "declined"
    assert household_client.get(f"/api/v1/view-requests/{request_id}").get_json()["state"] == "declined"
    assert approve(worker_client, account, request_id).status_code == 409
    wait_for_resend()
    second = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    move_clock(dt.timedelta(minutes=10, seconds=1))
    assert household_client.get(f"/api/v1/view-requests/{second}").get_json()["state"] == "expired"
    late = approve(worker_client, account, second)
    assert late.status_code == 409 and late.get_json()["code"] == "request_expired"


def test_same_request_cannot_be_approved_twice(setup, db_session):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    assert approve(worker_client, account, request_id).status_code == 201
    again = approve(worker_client, account, request_id)
    assert again.status_code == 409 and again.get_json()["code"] == "request_answered"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ViewGrant)) == 1


def test_approval_needs_a_fresh_view_approval_face_check(setup, db_session):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    wrong = make_face_check(account, "check_in")
    response = api_post(worker_client, f"/api/v1/workers/me/view-requests/{request_id}/approval",
                        {"face_check_id": wrong.id})
    assert response.status_code == 422 and response.get_json()["code"] == "face_check_purpose"
    assert api_post(worker_client, f"/api/v1/workers/me/view-requests/{request_id}/approval",
                    {"face_check_id": "x"}).status_code == 422


@pytest.mark.parametrize("mutate, code", [
    (lambda t: t[:-6], "token_bad_signature"),
    (lambda t: t.rsplit(".", 1)[0], "token_malformed"),
    (lambda t: t.replace(".", "!", 1), "token_malformed"),
])
def test_tampered_tokens_are_refused_by_name(setup, mutate, code):
    _, worker, _, household_client = setup
    response = scan(household_client, mutate(certificates.show(worker).token))
    assert response.status_code == 422 and response.get_json()["code"] == code


def test_token_from_another_deployment_expired_and_future(setup, tmp_path, move_clock):
    _, worker, _, household_client = setup
    public_id = certificates.show(worker).certificate.public_id
    foreign = issue(KeyRing(tmp_path / "elsewhere"), {"cid": public_id}, dt.timedelta(minutes=5),
                    certificates.TOKEN_TYPE)
    assert scan(household_client, foreign).get_json()["code"] == "token_unknown_key"
    token = certificates.show(worker).token
    move_clock(dt.timedelta(minutes=5, seconds=1))
    assert scan(household_client, token).get_json()["code"] == "token_expired"
    move_clock(dt.timedelta(hours=2))
    future = certificates.show(worker).token
    move_clock(dt.timedelta(hours=-2))
    assert scan(household_client, future).get_json()["code"] == "token_not_yet_valid"


def test_resigned_token_with_our_kid_is_refused(setup, tmp_path):
    _, worker, _, household_client = setup
    token = certificates.show(worker).token
    header, body, _ = token.split(".")
    other = KeyRing(tmp_path / "k").current()
    forged = f"{header}.{body}." + b64url(other.private.sign(f"{header}.{body}".encode()))
    assert scan(household_client, forged).get_json()["code"] == "token_bad_signature"
    claims = json.loads(b64url_decode(body))
    assert set(claims) == {"cid", "sl", "si", "sc", "iat", "exp"}  # sc: the status code, no personal data


def test_worker_cannot_scan_own_certificate(setup):
    account, worker, worker_client, _ = setup
    response = scan(worker_client, certificates.show(worker).token)
    assert response.status_code == 422 and response.get_json()["code"] == "own_certificate"


def test_idor_other_households_requests_and_grants(app, setup, db_session):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    grant_id = approve(worker_client, account, request_id).get_json()["id"]
    snoop = app.test_client()
    log_in(snoop, make_account(role="consumer", name="偷看"))
    assert snoop.get(f"/api/v1/view-requests/{request_id}").status_code == 404
    assert snoop.get(f"/api/v1/grants/{grant_id}/view").status_code == 404
    assert snoop.get(f"/views/{grant_id}").status_code == 404
    other_worker = make_worker("冯九", step=RegistrationStep.COMPLETE)
    other_client = app.test_client()
    log_in(other_client, other_worker)
    assert api_post(other_client, f"/api/v1/workers/me/grants/{grant_id}/revocation").status_code == 404
    assert approve(other_client, other_worker, request_id).status_code == 404


def test_scan_floods_are_limited(app, setup, db_session):
    _, worker, _, household_client = setup
    for _ in range(10):
        scan(household_client, "A" * 10)
    flooded = scan(household_client, certificates.show(worker).token)
    assert flooded.status_code == 429 and flooded.get_json()["code"] == "scan_rate_limited"
    assert int(flooded.headers["Retry-After"]) == 60
    visitors = []
    for n in range(21):  # logging in moves the clock, so log everyone in first
        visitors.append(app.test_client())
        log_in(visitors[-1], make_account(role="consumer", name=f"访客{n}"))
    token = certificates.show(worker).token
    for visitor in visitors[:20]:
        assert scan(visitor, token).status_code == 200
    assert scan(visitors[20], token).get_json()["code"] == "certificate_rate_limited"


def test_bad_scan_input(setup):
    _, _, _, household_client = setup
    assert scan(household_client, "").status_code == 422
    assert scan(household_client, "x" * 2000).status_code == 422
    assert api_post(household_client, "/api/v1/scans", {"token": "x"}).status_code == 422


def test_pages_flow(setup, db_session):
    account, worker, worker_client, household_client = setup
    token = certificates.show(worker).token
    response = form_post(household_client, "/scan", {"scanned": token})
    assert response.status_code == 302
    request_page = household_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-state="pending"' in request_page
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "郑*" in worker_client.get("/me/requests").get_data(as_text=True)
    approve_page = worker_client.get(f"/me/requests/{request_id}/approve").get_data(as_text=True)
    assert "data-face-capture" in approve_page
    check = make_face_check(account, "view_approval")
    done = form_post(worker_client, f"/me/requests/{request_id}/approve",
                     {"face_check_id": str(check.id), "scopes": ["basic", "tax"], "duration": "2"})
    assert done.status_code == 302
    approved = household_client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert 'data-state="approved"' in approved
    grant_id = db_session.scalar(sa.select(ViewGrant.id))
    view = household_client.get(f"/views/{grant_id}").get_data(as_text=True)
    assert 'data-testid="section-tax"' in view and 'data-testid="no-data"' in view
    assert 'data-testid="section-identity"' not in view  # not chosen, not shown
    grants_page = worker_client.get("/me/grants").get_data(as_text=True)
    assert "纳税信息" in grants_page and "tax" not in grants_page.split('data-testid="reads-')[1]
    assert form_post(worker_client, f"/me/grants/{grant_id}/revoke", {}).status_code == 302
    ended = household_client.get(f"/views/{grant_id}")
    assert ended.status_code == 410 and "已撤回" in ended.get_data(as_text=True)


def test_account_deletion_removes_requests_and_grants(setup, db_session):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    approve(worker_client, account, request_id)
    erase_account(account)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ViewGrant)) == 0
    assert db_session.get(Worker, account.id) is None


def test_the_identity_photo_reaches_the_household_only_under_a_live_grant(setup, db_session, monkeypatch):
    account, worker, worker_client, household_client = setup
    monkeypatch.setattr(identity, "photo_for", lambda _worker: b"\xff\xd8\xff-the-chip-photo")
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    assert household_client.get(f"/requests/{request_id}/photo").status_code == 404  # pending: not yet
    assert "worker-photo" not in household_client.get(f"/requests/{request_id}").get_data(as_text=True)
    grant_id = approve(worker_client, account, request_id).get_json()["id"]
    shown = household_client.get(f"/requests/{request_id}/photo")
    assert shown.status_code == 200 and shown.data.endswith(b"the-chip-photo")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(DataAccess)
                             .where(DataAccess.section == "identity_photo")) == 1  # the worker sees the read
    assert api_post(worker_client, f"/api/v1/workers/me/grants/{grant_id}/revocation").status_code == 200
    assert household_client.get(f"/requests/{request_id}/photo").status_code == 404


def test_the_household_reads_words_not_codes(setup, db_session):
    """Education, identity checks and dates were shown as `junior_high`, `sod_signature`, ISO timestamps."""
    account, worker, worker_client, household_client = setup
    db_session.add(IdentityRecord(
        worker_id=account.id, method="chip", document_kind="cn_resident_id",
        checks={"sod_signature": {"status": "passed"}, "active_authentication": {"status": "passed"}},
        document_verified_at=clock.now(), verified_at=clock.now(), created_at=clock.now()))
    profile.save_section(worker, "basic", SECTION_SCHEMAS["basic"]().load(
        {"hometown": "四川成都", "education": "junior_high", "languages": ["普通话", "四川话"]}))
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    grant_id = approve(worker_client, account, request_id, scopes=["basic", "identity"]).get_json()["id"]
    page = household_client.get(f"/views/{grant_id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "初中" in page and "普通话、四川话" in page and "证件芯片核验通过：" in page and "居民身份证" in page
    assert "junior_high" not in page and "sod_signature" not in page and "cn_resident_id" not in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}", page)
    english = household_client.get(f"/views/{grant_id}?lang=en").get_data(as_text=True)
    assert "Junior high school" in english and "普通话, 四川话" in english
    view = household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()
    identity_display = {s["key"]: s for s in view["sections"]}["identity"]["display"][0]
    assert identity_display["items"][0][1].startswith("Identity document chip check passed") or \
        identity_display["items"][0][1].startswith("证件芯片核验通过")
