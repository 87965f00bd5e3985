"""A grant ends the moment its basis ends, the worker chooses what each household sees and for how long,
and every refusal names its reason and changes nothing."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from consent import services as consent
from consent.models import SignedConsent, ViewGrant
from consumers.models import ViewRequest
from disputes import services as disputes
from registry.accounts.models import SmsMessage
from registry.accounts.services import erase_account
from registry.core import clock, effects
from registry.core.crypto import lookup_hash
from registry.face.models import FaceCheck
from registry.feeds import services as feeds
from registry.feeds.models import FeedRecord
from tests.factories.accounts import make_account
from tests.factories.consumers import approve, scan
from tests.factories.face import make_face_check
from tests.factories.http import api_post, form_post
from workers.attendance import departure
from workers.certificates import services as certificates
from workers.identity import services as identity


def sms_bodies(db_session, phone: str) -> list[str]:
    effects.commit()  # messages go out after the commit, as a request's would
    return list(db_session.scalars(sa.select(SmsMessage.body).where(
        SmsMessage.phone_hash == lookup_hash(phone, "phone")).order_by(SmsMessage.id)))


def granted(setup, **choice) -> int:
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    answer = approve(worker_client, account, request_id, **choice)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_withdrawing_the_authorization_ends_every_grant_at_once_and_tells_the_household(
        setup, db_session, household):
    account, worker, worker_client, household_client = setup
    grant_id = granted(setup)
    assert household_client.get(f"/api/v1/grants/{grant_id}/view").status_code == 200
    consent_id = db_session.scalar(sa.select(SignedConsent.id).where(SignedConsent.account_id == account.id))
    assert api_post(worker_client, f"/api/v1/consent/consents/{consent_id}/revocation").status_code == 200
    refused = household_client.get(f"/api/v1/grants/{grant_id}/view")
    assert refused.status_code == 410 and refused.get_json()["code"] == "grant_consent_withdrawn"
    page = household_client.get(f"/views/{grant_id}")
    assert page.status_code == 410 and "撤回了信用信息授权" in page.get_data(as_text=True)
    grant = db_session.get(ViewGrant, grant_id)
    assert grant.end_reason == "consent_withdrawn" and grant.ended_at is not None
    assert any("授权已结束" in body for body in sms_bodies(db_session, household.phone))
    # The household's list says why, in words.
    listed = household_client.get("/views").get_data(as_text=True)
    assert "已结束" in listed and "撤回了信用信息授权" in listed


def test_a_departure_stops_the_data_on_read_and_the_sweep_ends_the_grant(setup, db_session, household):
    account, worker, worker_client, household_client = setup
    grant_id = granted(setup)
    worker.due_on = clock.china_today() - dt.timedelta(days=1)  # past due; the nightly sweep has not run yet
    db_session.flush()
    refused = household_client.get(f"/api/v1/grants/{grant_id}/view")
    assert refused.status_code == 410 and refused.get_json()["code"] == "grant_departed"
    assert db_session.get(ViewGrant, grant_id).ended_at is None  # a read writes nothing
    assert departure.sweep(batch_size=100).departed == 1
    db_session.expire_all()
    grant = db_session.get(ViewGrant, grant_id)
    assert grant.end_reason == "departed" and grant.ended_at is not None
    assert any("授权已结束" in body for body in sms_bodies(db_session, household.phone))
    # Checking in again does not bring the ended grant back: the household asks anew.
    worker.due_on = clock.china_today() + dt.timedelta(days=30)
    db_session.flush()
    assert household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()["code"] == "grant_departed"


def test_revoking_the_certificate_ends_the_grants(setup, db_session):
    account, worker, worker_client, household_client = setup
    grant_id = granted(setup)
    certificates.revoke(certificates.active_certificate(worker), "证件信息有误", None)
    refused = household_client.get(f"/api/v1/grants/{grant_id}/view")
    assert refused.status_code == 410 and refused.get_json()["code"] == "grant_certificate_revoked"
    assert "吊销" in refused.get_json()["message"]


def test_the_worker_chooses_sections_and_duration_and_the_household_sees_exactly_that(
        setup, db_session, move_clock):
    account, worker, worker_client, household_client = setup
    grant_id = granted(setup, scopes=["basic", "work_history"], hours=2)
    view = household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()
    assert [s["key"] for s in view["sections"]] == ["basic", "work_history"]
    assert view["grant"]["live"] is True
    until = dt.datetime.fromisoformat(view["grant"]["valid_until"])
    assert dt.timedelta(hours=1, minutes=59) < until - clock.now() <= dt.timedelta(hours=2)
    move_clock(dt.timedelta(hours=2, seconds=1))
    assert household_client.get(f"/api/v1/grants/{grant_id}/view").status_code in (401, 410)


def test_until_a_date_ends_at_midnight_china_time(setup, db_session):
    day = clock.china_today() + dt.timedelta(days=3)
    grant_id = granted(setup, until_date=day.isoformat())
    until = db_session.get(ViewGrant, grant_id).valid_until
    assert until.astimezone(clock.CHINA_TZ).replace(tzinfo=None) == dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time())


@pytest.mark.parametrize(("choice", "field"), [
    ({"scopes": ["basic", "medical_records"]}, "scopes"),
    ({"scopes": []}, "scopes"),
    ({"hours": 5}, "hours"),
    ({"hours": 2, "until_date": "2099-01-01"}, "until_date"),
    ({"until_date": "2099-01-01"}, "until"),          # longer than the operator's maximum
    ({"until_date": "2000-01-01"}, "until"),          # in the past
])
def test_a_bad_choice_is_refused_by_name_and_spends_nothing(setup, db_session, choice, field):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    check = make_face_check(account, "view_approval")
    answer = api_post(worker_client, f"/api/v1/workers/me/view-requests/{request_id}/approval",
                      {"face_check_id": check.id, "scopes": ["basic"], **choice})
    assert answer.status_code == 422 and field in answer.get_json()["fields"], answer.get_json()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ViewGrant)) == 0
    assert db_session.get(ViewRequest, request_id).state == "pending"
    db_session.refresh(check)
    assert check.claimed_at is None  # the face check can still be used for a corrected choice


def test_a_departed_worker_cannot_approve_and_the_face_check_is_not_spent(setup, db_session):
    account, worker, worker_client, household_client = setup
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    worker.due_on = clock.china_today() - dt.timedelta(days=1)
    db_session.flush()
    check = make_face_check(account, "view_approval")
    answer = api_post(worker_client, f"/api/v1/workers/me/view-requests/{request_id}/approval",
                      {"face_check_id": check.id})
    assert answer.status_code == 409 and answer.get_json()["code"] == "departed"
    assert db_session.get(FaceCheck, check.id).claimed_at is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ViewGrant)) == 0


def test_the_worker_narrows_a_grant_but_cannot_widen_it(setup, db_session, app):
    account, worker, worker_client, household_client = setup
    grant_id = granted(setup, scopes=["basic", "identity", "tax"])
    url = f"/api/v1/workers/me/grants/{grant_id}/narrowing"
    narrowed = api_post(worker_client, url, {"scopes": ["basic"]})
    assert narrowed.status_code == 200 and narrowed.get_json()["scopes"] == ["basic"]
    assert [s["key"] for s in household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()["sections"]] == \
        ["basic"]
    widened = api_post(worker_client, url, {"scopes": ["basic", "tax"]})
    assert widened.status_code == 422 and widened.get_json()["code"] == "grant_widened"
    later = (clock.now() + dt.timedelta(days=3)).isoformat()
    assert api_post(worker_client, url, {"scopes": ["basic"], "until": later}).get_json()["code"] == "grant_widened"
    assert db_session.get(ViewGrant, grant_id).scope_list == ["basic"]
    # Another worker's grant is not found; an ended one is gone.
    assert api_post(household_client, url, {"scopes": ["basic"]}).status_code == 403
    api_post(worker_client, f"/api/v1/workers/me/grants/{grant_id}/revocation")
    assert api_post(worker_client, url, {"scopes": ["basic"]}).status_code == 410
    # The page form narrows the same way.
    second = granted(setup, scopes=["basic", "identity"])
    assert form_post(worker_client, f"/me/grants/{second}/narrow", {"scopes": ["identity"]}).status_code == 302
    assert db_session.get(ViewGrant, second).scope_list == ["identity"]


def test_the_photo_is_a_section_too(setup, db_session, monkeypatch):
    account, worker, worker_client, household_client = setup
    monkeypatch.setattr(identity, "photo_for", lambda _worker: b"\xff\xd8\xff-the-chip-photo")
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    approve(worker_client, account, request_id, scopes=["basic"])
    assert household_client.get(f"/requests/{request_id}/photo").status_code == 404  # identity not shared


def test_the_worker_sees_who_asks_and_how_often(setup, db_session):
    account, worker, worker_client, household_client = setup
    first = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    api_post(worker_client, f"/api/v1/workers/me/view-requests/{first}/decline")
    scan(household_client, certificates.show(worker).token)
    pending = worker_client.get("/api/v1/workers/me/view-requests").get_json()
    assert pending[0]["times_asked_before"] == 1 and pending[0]["consumer_name"] == "郑*"
    page = worker_client.get(f"/me/requests/{pending[0]['id']}/approve").get_data(as_text=True)
    assert "之前已向您请求过 1 次" in page and 'data-testid="scope-tax"' in page
    assert 'data-testid="request-prompt"' in worker_client.get("/workers/certificate").get_data(as_text=True)


def test_a_new_letter_version_does_not_end_grants_given_under_the_old_one(setup, db_session):
    account, worker, worker_client, household_client = setup
    grant_id = granted(setup)
    consent.publish_letter("个人信用信息授权书（第二版）", "新的条款。", None)
    assert household_client.get(f"/api/v1/grants/{grant_id}/view").status_code == 200


def test_a_contested_record_is_marked_for_the_household_until_an_operator_decides(setup, db_session):
    account, worker, worker_client, household_client = setup
    feeds.import_lines("background_check", [(1, json.dumps({"id_number": account.id_number, "source": "公安机关",
                                                             "as_of": "2026-10-01", "result": "no_record"}))],
                       feeds.ImportReport())
    record_id = db_session.scalar(sa.select(FeedRecord.id).where(FeedRecord.kind == "background_check"))
    dispute = disputes.open_dispute(account, "background_check", record_id, "这条记录不是我的")
    grant_id = granted(setup, scopes=["basic", "background_check"])
    view = {s["key"]: s for s in household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()["sections"]}
    assert view["background_check"]["disputed"] is True and view["basic"]["disputed"] is False
    assert "有异议" in view["background_check"]["notes"][0]
    assert 'data-testid="disputed-background_check"' in household_client.get(f"/views/{grant_id}").get_data(as_text=True)
    disputes.resolve(make_account(role="admin", name="运营"), dispute.id, "rejected", "记录核实无误")
    view = {s["key"]: s for s in household_client.get(f"/api/v1/grants/{grant_id}/view").get_json()["sections"]}
    assert view["background_check"]["disputed"] is False


def test_closing_the_account_tells_the_households_holding_a_live_grant(setup, db_session, household):
    account, worker, worker_client, household_client = setup
    grant_id = granted(setup)
    erase_account(account)
    assert db_session.get(ViewGrant, grant_id) is None
    assert any("授权已结束" in body for body in sms_bodies(db_session, household.phone))
    assert household_client.get(f"/api/v1/grants/{grant_id}/view").status_code == 404
