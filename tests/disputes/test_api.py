"""The disputes API: a worker's disputes and records, the operators' queue and resolution, every refusal."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from disputes import services
from disputes.models import Dispute
from registry.accounts.models import SmsMessage
from registry.core.crypto import lookup_hash
from tests.factories.accounts import make_account
from tests.factories.disputes import (
    DISPUTES_URL,
    QUEUE_URL,
    RECORDS_URL,
    make_confirmed_affiliation,
    make_feed_record,
    make_profile_version,
)
from tests.factories.http import api_post, log_in
from tests.factories.workers import make_worker
from workers.models import WorkerNotice

REASON = "我从未有过这条背景记录。"


def dispute_count(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(Dispute))


def resolution_url(dispute_id: int) -> str:
    return f"{QUEUE_URL}/{dispute_id}/resolution"


def test_a_worker_disputes_a_record_and_lists_it(client, worker, db_session):
    record = make_feed_record(worker, "background_check")
    log_in(client, worker)
    listed = client.get(RECORDS_URL, headers={"Accept-Language": "en"}).get_json()["items"]
    assert listed == [{"kind": "background_check", "record_id": record.id,
                       "kind_label": "Police background check",
                       "description": "From 公安部门, as of 2026-10-01",
                       "disputable": True, "disputed": False}]
    client.get("/?lang=en")  # the rest of the session reads English
    created = api_post(client, DISPUTES_URL, {"kind": "background_check", "record_id": record.id, "reason": REASON})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["state"], body["reason"], body["resolved_at"], body["resolution"]) == ("open", REASON, None, None)
    assert body["record"]["disputed"] is True and body["state_label"] == "Waiting for a decision"
    mine = client.get(DISPUTES_URL).get_json()["items"]
    assert [d["id"] for d in mine] == [body["id"]]
    assert client.get(RECORDS_URL).get_json()["items"][0]["disputed"] is True


@pytest.mark.parametrize("body", [
    {"kind": "salary", "record_id": 1, "reason": REASON},
    {"kind": "tax", "record_id": "1", "reason": REASON},
    {"kind": "tax", "record_id": 0, "reason": REASON},
    {"kind": "tax", "record_id": 1},
    {"kind": "tax", "record_id": 1, "reason": ""},
    {"kind": "tax", "record_id": 1, "reason": "错" * 1001},
    {"kind": "tax", "record_id": 1, "reason": REASON, "extra": True},
])
def test_a_malformed_dispute_is_refused_with_422(client, worker, db_session, body):
    make_feed_record(worker)
    log_in(client, worker)
    answer = api_post(client, DISPUTES_URL, body)
    assert answer.status_code == 422 and answer.get_json()["code"] == "validation_error"
    assert dispute_count(db_session) == 0


def test_a_blank_reason_is_refused_by_the_rule(client, worker, db_session):
    record = make_feed_record(worker)
    log_in(client, worker)
    answer = api_post(client, DISPUTES_URL, {"kind": "tax", "record_id": record.id, "reason": "   "})
    assert answer.status_code == 422 and answer.get_json()["code"] == "reason_required"
    assert "reason" in answer.get_json()["fields"] and dispute_count(db_session) == 0


def test_someone_elses_record_answers_404_like_a_missing_one(client, worker, db_session):
    other = make_worker("王阿姨")
    theirs = make_feed_record(other)
    log_in(client, worker)
    foreign = api_post(client, DISPUTES_URL, {"kind": "tax", "record_id": theirs.id, "reason": REASON})
    missing = api_post(client, DISPUTES_URL, {"kind": "tax", "record_id": theirs.id + 1000, "reason": REASON})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json() and foreign.get_json()["code"] == "record_not_found"
    assert dispute_count(db_session) == 0


def test_a_second_open_dispute_of_a_record_is_refused_with_409(client, worker, db_session):
    record = make_profile_version(worker)
    log_in(client, worker)
    body = {"kind": "profile", "record_id": record.id, "reason": REASON}
    assert api_post(client, DISPUTES_URL, body).status_code == 201
    again = api_post(client, DISPUTES_URL, body)
    assert again.status_code == 409 and again.get_json()["code"] == "dispute_already_open"
    assert dispute_count(db_session) == 1


def test_only_workers_dispute_and_list(client, db_session):
    consumer = make_account("consumer")
    log_in(client, consumer)
    refused = api_post(client, DISPUTES_URL, {"kind": "tax", "record_id": 1, "reason": REASON})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_a_worker"
    assert client.get(DISPUTES_URL).status_code == 403
    assert client.get(RECORDS_URL).status_code == 403
    assert dispute_count(db_session) == 0


def test_anonymous_callers_are_asked_to_log_in(client, db_session):
    assert client.get(DISPUTES_URL).status_code == 401
    assert client.get(QUEUE_URL).status_code == 401
    assert api_post(client, DISPUTES_URL, {"kind": "tax", "record_id": 1, "reason": REASON}).status_code == 401
    assert api_post(client, resolution_url(1), {"outcome": "upheld", "reason": "x"}).status_code == 401


def test_the_operator_queue_and_resolution(client, worker, operator, db_session):
    affiliation = make_confirmed_affiliation(worker)
    dispute = services.open_dispute(worker, "affiliation", affiliation.id, "我没有在这家公司工作过。")
    log_in(client, operator)
    queue = client.get(QUEUE_URL, headers={"Accept-Language": "en"}).get_json()
    assert (queue["total"], queue["page"], queue["pages"]) == (1, 1, 1)
    item = queue["items"][0]
    assert (item["id"], item["worker_id"], item["worker_name"]) == (dispute.id, worker.id, "李阿姨")
    assert item["record"]["description"].startswith("示例家政服务有限公司: confirmed by the enterprise on")
    decided = api_post(client, resolution_url(dispute.id), {"outcome": "upheld",
                                                             "reason": "企业确认登记有误，将删除该记录。"})
    assert decided.status_code == 200, decided.get_json()
    assert (decided.get_json()["state"], decided.get_json()["resolution"]) == ("upheld", "企业确认登记有误，将删除该记录。")
    assert client.get(QUEUE_URL).get_json()["items"] == []
    twice = api_post(client, resolution_url(dispute.id), {"outcome": "rejected", "reason": "改主意"})
    assert twice.status_code == 409 and twice.get_json()["code"] == "dispute_decided"
    sms = db_session.scalars(sa.select(SmsMessage).where(
        SmsMessage.phone_hash == lookup_hash(worker.phone, "phone"))).all()
    assert len(sms) == 1  # sent after the commit, by the job queue
    log_in(client, worker)
    mine = client.get(DISPUTES_URL).get_json()["items"][0]
    assert (mine["state"], mine["record"]["disputed"]) == ("upheld", False)
    notices = client.get("/api/v1/workers/me/notices", headers={"Accept-Language": "en"}).get_json()["items"]
    assert any(n["kind"] == "dispute_upheld" and "upheld" in n["text"] for n in notices)


@pytest.mark.parametrize("body", [{"outcome": "maybe", "reason": "理由"}, {"outcome": "upheld"},
                                  {"outcome": "upheld", "reason": ""}, {"reason": "理由"},
                                  {"outcome": "upheld", "reason": "理" * 1001}])
def test_a_malformed_resolution_is_refused_with_422(client, worker, operator, db_session, body):
    dispute = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    log_in(client, operator)
    assert api_post(client, resolution_url(dispute.id), body).status_code == 422
    db_session.expire_all()
    assert db_session.get(Dispute, dispute.id).state == "open"


def test_non_operators_neither_see_the_queue_nor_resolve(client, worker, db_session):
    dispute = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    for account in (worker, make_account("consumer"), make_account("enterprise_staff")):
        log_in(client, account)
        assert client.get(QUEUE_URL).status_code == 403
        refused = api_post(client, resolution_url(dispute.id), {"outcome": "upheld", "reason": "我说了算"})
        assert refused.status_code == 403 and refused.get_json()["code"] == "not_an_operator"
    db_session.expire_all()
    assert db_session.get(Dispute, dispute.id).state == "open"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(WorkerNotice)) == 0


def test_resolving_a_missing_dispute_is_404(client, operator, db_session):
    log_in(client, operator)
    answer = api_post(client, resolution_url(123456), {"outcome": "upheld", "reason": "理由"})
    assert answer.status_code == 404 and answer.get_json()["code"] == "dispute_not_found"
    assert api_post(client, resolution_url(2**31), {"outcome": "upheld", "reason": "理由"}).status_code == 404


def test_the_openapi_document_describes_the_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    create = paths[DISPUTES_URL]["post"]
    assert set(create["responses"]) == {"201", "400", "401", "403", "404", "409", "413", "415", "422"}
    assert create["requestBody"]["content"]["application/json"]["schema"]["properties"]["kind"]["enum"] == \
        ["background_check", "tax", "bank_credit", "affiliation", "profile", "complaint"]
    assert set(paths[DISPUTES_URL]["get"]["responses"]) == {"200", "401", "403"}
    assert set(paths[QUEUE_URL]["get"]["responses"]) == {"200", "401", "403", "422"}
    resolve = paths[QUEUE_URL + "/{dispute_id}/resolution"]["post"]
    assert set(resolve["responses"]) == {"200", "400", "401", "403", "404", "409", "413", "415", "422"}
    assert resolve["requestBody"]["content"]["application/json"]["schema"]["properties"]["outcome"]["enum"] == \
        ["upheld", "rejected"]
