"""Disputes as rules: what a worker may contest, one open dispute per record, the operator's decision,
the 有异议 mark (`open_disputes_of`) and deletion with the account."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from disputes import messages, services
from disputes.models import RECORD_KINDS, Dispute
from registry.accounts.models import SmsMessage
from registry.accounts.services import erase_account
from registry.audit.models import AuditEvent
from registry.core import effects
from registry.core.crypto import lookup_hash
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from tests.factories.accounts import make_account
from tests.factories.disputes import make_confirmed_affiliation, make_feed_record, make_profile_version
from tests.factories.enterprises import make_enterprise
from tests.factories.workers import make_worker
from workers import services as workers
from workers.models import Affiliation, WorkerNotice

REASON = "这条记录不是我的，我从未欠税。"


def count(db_session, model=Dispute) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def audit_kinds(db_session) -> list[str]:
    return list(db_session.scalars(sa.select(AuditEvent.kind).order_by(AuditEvent.id)))


def one_of_each(worker) -> dict[str, int]:
    """One record of every kind about the worker: kind -> record id."""
    ids = {kind: make_feed_record(worker, kind).id for kind in ("background_check", "tax", "bank_credit")}
    ids["affiliation"] = make_confirmed_affiliation(worker).id
    ids["profile"] = make_profile_version(worker).id
    return ids


def test_the_record_kinds_are_a_fixed_list_with_words():
    assert RECORD_KINDS == ("background_check", "tax", "bank_credit", "affiliation", "profile", "complaint")
    with force_locale("en"):
        labels = messages.kind_labels()
        assert set(labels) == set(RECORD_KINDS) and all(labels[k] and labels[k] != k for k in RECORD_KINDS)
        assert services.disputed_label() == "Disputed"


def test_a_worker_disputes_every_kind_of_own_record(worker, db_session):
    ids = one_of_each(worker)
    for kind, record_id in ids.items():
        dispute = services.open_dispute(worker, kind, record_id, REASON)
        assert (dispute.state, dispute.worker_id, dispute.reason) == ("open", worker.id, REASON)
    assert services.open_disputes_of(worker.id) == set(ids.items())
    assert audit_kinds(db_session).count("dispute.opened") == 5


def test_the_reason_is_stored_encrypted(worker, db_session):
    dispute = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    raw = db_session.execute(sa.text("SELECT reason FROM dispute WHERE id = :id"), {"id": dispute.id}).scalar()
    assert REASON.encode() not in bytes(raw)


def test_disputable_records_are_described_in_words_and_marked(worker, db_session):
    ids = one_of_each(worker)
    make_confirmed_affiliation(worker, make_enterprise("另一家政公司"), end=True)
    with force_locale("en"):
        records = services.disputable_records(worker)
        assert [r.kind for r in records] == ["background_check", "tax", "bank_credit", "affiliation",
                                             "affiliation", "profile"]
        tax = next(r for r in records if r.kind == "tax")
        assert tax.description == "From 国家税务总局北京市税务局, as of 2026-10-01"
        assert "示例家政服务有限公司: confirmed by the enterprise on" in " ".join(r.description for r in records)
        assert "另一家政公司: affiliation ended by the enterprise on" in " ".join(r.description for r in records)
        assert next(r for r in records if r.kind == "profile").description.startswith(
            "Basic information, version 1, saved on")
        assert not any(r.disputed for r in records)
        services.open_dispute(worker, "tax", ids["tax"], REASON)
        marked = {(r.kind, r.record_id): r.disputed for r in services.disputable_records(worker)}
    assert marked[("tax", ids["tax"])] and sum(marked.values()) == 1


def test_someone_elses_record_answers_exactly_like_a_missing_one(worker, db_session):
    other = make_worker("王阿姨")
    theirs = one_of_each(other)
    with pytest.raises(NotFound) as missing:
        services.open_dispute(worker, "tax", 2_000_000_000, REASON)
    for kind, record_id in theirs.items():
        with pytest.raises(NotFound) as foreign:
            services.open_dispute(worker, kind, record_id, REASON)
        assert (foreign.value.code, foreign.value.message, foreign.value.status) == \
            (missing.value.code, missing.value.message, 404) == ("record_not_found", missing.value.message, 404)
    assert count(db_session) == 0


def test_a_record_id_of_another_kind_is_not_found(worker, db_session):
    tax = make_feed_record(worker, "tax")
    affiliation = make_confirmed_affiliation(worker)
    for kind, record_id in (("bank_credit", tax.id), ("profile", affiliation.id), ("background_check", tax.id)):
        with pytest.raises(NotFound):
            services.open_dispute(worker, kind, record_id, REASON)
    assert count(db_session) == 0


def test_an_unknown_kind_is_refused(worker, db_session):
    with pytest.raises(DomainError) as refused:
        services.open_dispute(worker, "salary", make_feed_record(worker).id, REASON)
    assert (refused.value.status, refused.value.code) == (422, "unknown_record_kind")
    assert "kind" in refused.value.fields and count(db_session) == 0


@pytest.mark.parametrize(("reason", "code"), [("", "reason_required"), ("   \n ", "reason_required"),
                                              (None, "reason_required"), ("错" * 1001, "reason_too_long")])
def test_the_reason_is_required_and_bounded(worker, db_session, reason, code):
    with pytest.raises(DomainError) as refused:
        services.open_dispute(worker, "tax", make_feed_record(worker).id, reason)
    assert (refused.value.status, refused.value.code, list(refused.value.fields)) == (422, code, ["reason"])
    assert count(db_session) == 0


def test_a_reason_of_the_largest_length_is_taken_trimmed(worker, db_session):
    dispute = services.open_dispute(worker, "tax", make_feed_record(worker).id, "  " + "错" * 1000 + " ")
    assert dispute.reason == "错" * 1000


def test_only_workers_dispute(db_session):
    for role in ("consumer", "enterprise_staff", "admin"):
        with pytest.raises(Forbidden) as refused:
            services.open_dispute(make_account(role), "tax", 1, REASON)
        assert refused.value.code == "not_a_worker"
    assert count(db_session) == 0


def test_one_open_dispute_per_record(worker, operator, db_session):
    record = make_feed_record(worker)
    first = services.open_dispute(worker, "tax", record.id, REASON)
    with pytest.raises(Conflict) as twice:
        services.open_dispute(worker, "tax", record.id, "再说一遍")
    assert twice.value.code == "dispute_already_open" and count(db_session) == 1
    services.resolve(operator, first.id, "rejected", "记录与税务机关核对一致。")
    again = services.open_dispute(worker, "tax", record.id, "我有新的证明。")  # decided: may be disputed anew
    assert again.id != first.id and services.open_disputes_of(worker.id) == {("tax", record.id)}


def test_the_database_keeps_one_open_dispute_per_record(worker, db_session):
    record = make_feed_record(worker)
    services.open_dispute(worker, "tax", record.id, REASON)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(Dispute(worker_id=worker.id, record_kind="tax", record_id=record.id, reason="同时提交"))
        db_session.flush()
    db_session.add(Dispute(worker_id=worker.id, record_kind="tax", record_id=record.id, reason="已决定",
                           state="rejected"))
    db_session.flush()  # decided disputes do not count


def test_records_nobody_is_shown_cannot_be_disputed(worker, db_session):
    enterprise = make_enterprise("待确认公司")
    pending = workers.claim_enterprises(workers.ensure_worker(worker), [enterprise.credit_code])[0]
    old = make_profile_version(worker, "河南")
    make_profile_version(worker, "湖北")  # the newer version supersedes the old one
    for kind, record_id in (("affiliation", pending.id), ("profile", old.id)):
        with pytest.raises(Conflict) as refused:
            services.open_dispute(worker, kind, record_id, REASON)
        assert refused.value.code == "record_not_disputable"
    assert count(db_session) == 0


def test_an_upheld_dispute_tells_the_worker_in_the_app_and_by_sms(worker, operator, db_session):
    dispute = services.open_dispute(worker, "bank_credit", make_feed_record(worker, "bank_credit").id, REASON)
    services.resolve(operator, dispute.id, "upheld", "征信中心确认有误，将更正该记录。")
    assert (dispute.state, dispute.resolved_by_id, dispute.resolution) == \
        ("upheld", operator.id, "征信中心确认有误，将更正该记录。")
    assert services.open_disputes_of(worker.id) == set()
    notice = db_session.scalars(sa.select(WorkerNotice).where(WorkerNotice.worker_id == worker.id)).one()
    assert notice.kind == "dispute_upheld"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)) == 0  # not before the commit
    effects.commit()
    sms = db_session.scalars(sa.select(SmsMessage).where(
        SmsMessage.phone_hash == lookup_hash(worker.phone, "phone"))).all()
    with force_locale("zh"):
        assert [m.body for m in sms] == [messages.outcome_sms("upheld")]  # in Chinese, whoever decided
    assert audit_kinds(db_session)[-2:] == ["dispute.opened", "dispute.resolved"]


def test_a_rejected_dispute_leaves_a_rejection_notice(worker, operator, db_session):
    dispute = services.open_dispute(worker, "profile", make_profile_version(worker).id, REASON)
    services.resolve(operator, dispute.id, "rejected", "资料为本人填写，请自行修改。")
    assert db_session.scalars(sa.select(WorkerNotice.kind)).all() == ["dispute_rejected"]


def test_resolution_refusals_change_nothing(worker, operator, db_session):
    dispute = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    with pytest.raises(Forbidden) as not_operator:
        services.resolve(worker, dispute.id, "upheld", "我自己决定")
    assert not_operator.value.code == "not_an_operator"
    with pytest.raises(DomainError) as outcome:
        services.resolve(operator, dispute.id, "maybe", "理由")
    assert (outcome.value.status, outcome.value.code) == (422, "unknown_outcome")
    for reason in ("", "  ", "理" * 1001):
        with pytest.raises(DomainError) as bad_reason:
            services.resolve(operator, dispute.id, "upheld", reason)
        assert bad_reason.value.status == 422 and "reason" in bad_reason.value.fields
    with pytest.raises(NotFound):
        services.resolve(operator, dispute.id + 1000, "upheld", "理由")
    assert dispute.state == "open" and count(db_session, WorkerNotice) == 0
    services.resolve(operator, dispute.id, "upheld", "将删除该记录。")
    with pytest.raises(Conflict) as twice:
        services.resolve(operator, dispute.id, "rejected", "改主意了")
    assert twice.value.code == "dispute_decided"
    assert (dispute.state, dispute.resolution) == ("upheld", "将删除该记录。") and count(db_session, WorkerNotice) == 1


def test_the_queue_lists_open_disputes_oldest_first_in_words(worker, operator, db_session, move_clock):
    other = make_worker("赵阿姨")
    first = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    move_clock(dt.timedelta(minutes=5))
    second = services.open_dispute(other, "affiliation", make_confirmed_affiliation(other).id, REASON)
    move_clock(dt.timedelta(minutes=5))
    decided = services.open_dispute(worker, "profile", make_profile_version(worker).id, REASON)
    services.resolve(operator, decided.id, "rejected", "不予支持。")
    with force_locale("en"):
        page = services.queue(operator)
        assert [item.dispute.id for item in page.items] == [first.id, second.id] and page.total == 2
        assert [item.worker_name for item in page.items] == ["李阿姨", "赵阿姨"]
        assert page.items[0].record.description.startswith("From 国家税务总局")
        assert page.items[1].record.kind_label == "Enterprise affiliation"
    with pytest.raises(Forbidden):
        services.queue(worker)


def test_the_operator_sees_what_the_record_says_and_the_look_is_audited(worker, operator, db_session):
    dispute = services.open_dispute(worker, "background_check", make_feed_record(worker, "background_check").id,
                                    REASON)
    item = services.get_for_operator(operator, dispute.id)
    assert item.record.content["result"] == "record_found" and item.worker_name == "李阿姨"
    assert audit_kinds(db_session)[-1] == "dispute.viewed"
    with pytest.raises(Forbidden):
        services.get_for_operator(worker, dispute.id)
    with pytest.raises(NotFound):
        services.get_for_operator(operator, dispute.id + 1000)


def test_a_dispute_whose_record_is_gone_says_so(worker, db_session):
    affiliation = make_confirmed_affiliation(worker)
    services.open_dispute(worker, "affiliation", affiliation.id, REASON)
    db_session.execute(sa.delete(Affiliation).where(Affiliation.id == affiliation.id))
    with force_locale("en"):
        item = services.list_own(worker)[0]
        assert item.record.description == "This record no longer exists." and item.record.disputed


def test_open_disputes_of_names_only_this_workers_open_ones(worker, operator, db_session):
    other = make_worker("王阿姨")
    tax, bank = make_feed_record(worker, "tax"), make_feed_record(worker, "bank_credit")
    profile = make_profile_version(worker)
    services.open_dispute(worker, "tax", tax.id, REASON)
    services.open_dispute(worker, "profile", profile.id, REASON)
    decided = services.open_dispute(worker, "bank_credit", bank.id, REASON)
    services.open_dispute(other, "tax", make_feed_record(other).id, REASON)
    services.resolve(operator, decided.id, "upheld", "将更正。")
    disputed = services.open_disputes_of(worker.id)
    assert disputed == {("tax", tax.id), ("profile", profile.id)}
    assert all(isinstance(kind, str) and isinstance(record_id, int) for kind, record_id in disputed)
    assert services.open_disputes_of(2_000_000_000) == set()


def test_disputes_go_with_the_deleted_account(worker, operator, db_session):
    other = make_worker("王阿姨")
    mine = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    services.resolve(operator, mine.id, "rejected", "不予支持。")
    services.open_dispute(worker, "profile", make_profile_version(worker).id, REASON)
    kept = services.open_dispute(other, "tax", make_feed_record(other).id, REASON)
    erase_account(worker)
    assert db_session.scalars(sa.select(Dispute.id)).all() == [kept.id]
    decided = services.resolve(operator, kept.id, "upheld", "将删除。")
    erase_account(operator)  # the decision stays, without its author
    db_session.expire_all()
    assert db_session.get(Dispute, decided.id).resolved_by_id is None


def test_the_dispute_reason_never_enters_the_audit_log(worker, operator, db_session):
    dispute = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    services.resolve(operator, dispute.id, "upheld", "将更正该记录。")
    payloads = " ".join(p or "" for p in db_session.scalars(sa.select(AuditEvent.payload)))
    assert REASON not in payloads and "将更正" not in payloads
    assert {"dispute_id", "record_kind", "record_id"} <= set(json.loads(
        db_session.scalars(sa.select(AuditEvent.payload).where(AuditEvent.kind == "dispute.opened")).one())["details"])
