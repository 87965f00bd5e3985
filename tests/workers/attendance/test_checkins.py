"""POST /api/v1/workers/me/check-ins: face checks are spent once, for this purpose, by their owner."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.accounts import services as account_services
from registry.face.models import FaceCheck
from tests.factories.accounts import make_account
from tests.factories.face import make_face_check
from tests.factories.http import api_post, csrf_token, form_post, log_in
from tests.factories.workers import at_china_time, make_worker
from workers import services
from workers.models import Affiliation, Worker, WorkerNotice
from workers.profile import services as profile
from workers.profile.models import ProfileVersion

URL = "/api/v1/workers/me/check-ins"


def test_check_in_restarts_the_thirty_days(client, db_session, worker_account, set_clock):
    set_clock(at_china_time(2026, 6, 1, 10))
    log_in(client, worker_account)
    check = make_face_check(worker_account)
    response = api_post(client, URL, {"face_check_id": check.id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "active" and body["due_on"] == "2026-07-01" and body["days_left"] == 30
    assert body["reactivated"] is False
    status = client.get("/api/v1/workers/me/status").get_json()
    assert status["last_check_in_at"] is not None and status["days_left"] == 30
    db_session.expire_all()
    assert db_session.get(FaceCheck, check.id).claimed_at is not None


def test_double_submission_is_refused_and_changes_nothing(client, db_session, worker_account):
    log_in(client, worker_account)
    check = make_face_check(worker_account)
    assert api_post(client, URL, {"face_check_id": check.id}).status_code == 201
    first = db_session.get(Worker, worker_account.id).last_check_in_at
    again = api_post(client, URL, {"face_check_id": check.id})
    assert again.status_code == 409 and again.get_json()["code"] == "face_check_used"
    db_session.expire_all()
    assert db_session.get(Worker, worker_account.id).last_check_in_at == first


def test_foreign_face_check_is_not_found(client, db_session, worker_account, enterprise):
    other = make_worker("别人", enterprises=[enterprise])
    log_in(client, worker_account)
    response = api_post(client, URL, {"face_check_id": make_face_check(other).id})
    assert response.status_code == 404 and response.get_json()["code"] == "check_not_found"
    db_session.expire_all()
    assert db_session.get(Worker, worker_account.id).last_check_in_at is None


def test_wrong_purpose_failed_and_stale_checks_are_refused(client, db_session, worker_account):
    log_in(client, worker_account)
    cases = [(make_face_check(worker_account, purpose="consent"), "face_check_purpose"),
             (make_face_check(worker_account, passed=False), "face_check_failed"),
             (make_face_check(worker_account, age=dt.timedelta(hours=2)), "face_check_stale")]
    for check, code in cases:
        response = api_post(client, URL, {"face_check_id": check.id})
        assert response.status_code == 422 and response.get_json()["code"] == code
    db_session.expire_all()
    assert db_session.get(Worker, worker_account.id).last_check_in_at is None


def test_bad_bodies(client, worker_account):
    log_in(client, worker_account)
    for body in ({}, {"face_check_id": "12"}, {"face_check_id": 0}, {"face_check_id": None}, {"x": 1}):
        assert api_post(client, URL, body).status_code == 422, body
    assert api_post(client, URL, {"face_check_id": 99999999}).status_code == 404
    raw = client.post(URL, data="face_check_id=1", headers={"X-CSRFToken": csrf_token(client)})
    assert raw.status_code == 415


def test_check_in_before_choosing_enterprises_is_out_of_order(client, db_session):
    account = make_worker()  # no enterprise chosen
    log_in(client, account)
    check = make_face_check(account)
    response = api_post(client, URL, {"face_check_id": check.id})
    assert response.status_code == 409 and response.get_json()["code"] == "step_out_of_order"
    db_session.expire_all()
    assert db_session.get(FaceCheck, check.id).claimed_at is None  # not spent


def test_households_and_strangers_cannot_check_in(client, db_session):
    assert api_post(client, URL, {"face_check_id": 1}).status_code == 401
    household = make_account("consumer")
    log_in(client, household)
    response = api_post(client, URL, {"face_check_id": make_face_check(household).id})
    assert response.status_code == 403
    assert db_session.get(Worker, household.id) is None
    assert client.get("/api/v1/workers/me/status").status_code == 403
    assert client.get("/workers").status_code == 403


def test_departed_worker_checks_in_and_is_active_again(client, db_session, enterprise, set_clock):
    set_clock(at_china_time(2026, 1, 1, 10))
    account = make_worker(enterprises=[enterprise])
    set_clock(at_china_time(2026, 3, 1, 10))
    log_in(client, account)
    assert client.get("/api/v1/workers/me/status").get_json()["status"] == "departed"
    response = api_post(client, URL, {"face_check_id": make_face_check(account).id})
    assert response.status_code == 201
    assert response.get_json()["reactivated"] is True and response.get_json()["status"] == "active"


def test_check_in_from_a_deleted_account_is_refused(client, db_session, enterprise, set_clock):
    set_clock(at_china_time(2026, 1, 1, 10))
    account = make_worker(enterprises=[enterprise])
    account_id = account.id
    set_clock(at_china_time(2026, 3, 1, 10))  # departed...
    log_in(client, account)
    check_id = make_face_check(account).id
    services_profile(account)
    account_services.erase_account(account)  # ...and deleted (注销)
    response = api_post(client, URL, {"face_check_id": check_id})
    assert response.status_code == 401
    for model, column in ((Worker, Worker.account_id), (Affiliation, Affiliation.worker_id),
                          (ProfileVersion, ProfileVersion.worker_id), (WorkerNotice, WorkerNotice.worker_id)):
        assert db_session.scalar(sa.select(sa.func.count()).select_from(model).where(column == account_id)) == 0


def services_profile(account):
    worker = services.ensure_worker(account)
    profile.save_section(worker, "basic", {"hometown": "四川", "ethnicity": "汉族", "education": None,
                                           "languages": ["普通话"]})
    services.add_notice(account.id, "affiliation_ended", "某公司")


def test_check_in_page_completes_with_face_check(client, db_session, worker_account):
    log_in(client, worker_account)
    page = client.get("/workers/check-in")
    assert page.status_code == 200
    check = make_face_check(worker_account)
    confirm = client.get(f"/workers/check-in?face_check={check.id}")
    assert b"check-in-form" in confirm.data
    response = form_post(client, "/workers/check-in", {"face_check_id": str(check.id)})
    assert response.status_code == 302
    again = form_post(client, "/workers/check-in", {"face_check_id": str(check.id)})
    assert again.status_code == 422 and b"error-box" in again.data
    missing = form_post(client, "/workers/check-in", {"face_check_id": "abc"})
    assert missing.status_code == 422
