"""Complaints need a real visit; the enterprise answers, an operator closes, upheld ones become credit records."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from disputes import services as disputes
from registry.accounts.services import erase_account
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.enterprises import services as enterprises
from registry.enterprises.models import CreditRecord
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_enterprise, make_staff
from tests.factories.visits import make_door, make_visit
from visits import complaints
from visits.models import Complaint, ComplaintEvidence


def photo(fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def door(db_session):
    return make_door()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_upheld_against_the_enterprise_becomes_a_public_credit_record(door):
    visit = make_visit(door, "ended")
    complaint = complaints.file_complaint(door.household, visit.id, "enterprise", "pricing", "多收了钱",
                                          [photo(), photo("PNG")])
    assert complaint.state == "open" and len(complaint.evidence) == 2
    assert complaint.evidence[0].media_type == "image/jpeg" and complaint.evidence[1].media_type == "image/png"
    assert (complaint.respond_by - complaint.filed_at).days == 3
    assert complaints.for_enterprise(door.staff) == [complaint]
    complaints.respond(door.staff, complaint.id, "已退还差价")
    assert complaint.state == "answered" and complaints.for_enterprise(door.staff) == []
    operator = make_account("admin", name="运营")
    assert complaints.operator_queue(operator) == [complaint]
    complaints.close(operator, complaint.id, "upheld", "多收费属实，已退款")
    assert complaint.state == "closed" and complaint.outcome == "upheld"
    record = db.session.get(CreditRecord, complaint.credit_record_id)
    assert record.enterprise_id == door.enterprise.id and record.kind == "complaint"
    assert "收费" in record.summary and "成立" in record.summary
    summary = enterprises.credit_summary(db.session.get(type(door.enterprise), door.enterprise.id))
    assert summary.current_adverse == {"complaint": 1}


def test_against_a_worker_it_counts_by_outcome_and_serious_ones_while_open(door):
    visit = make_visit(door, "started")  # a complaint may come while the visit is under way
    complaint = complaints.file_complaint(door.household, visit.id, "worker", "property_damage", "打碎了花瓶")
    assert complaints.open_serious(door.worker.id) == 1
    assert complaints.worker_counts(door.worker.id)["open"] == 1
    complaints.worker_reply(door.worker, complaint.id, "是不小心碰倒的，愿意赔偿")
    complaints.close(make_account("admin", name="运营"), complaint.id, "partly_upheld", "双方协商赔偿")
    assert complaints.open_serious(door.worker.id) == 0
    assert complaints.worker_counts(door.worker.id) == {"open": 0, "upheld": 0, "partly_upheld": 1,
                                                        "not_upheld": 0, "withdrawn": 0}
    assert complaint.credit_record_id is None  # against a worker: no enterprise record
    with pytest.raises(Conflict):
        complaints.worker_reply(door.worker, complaint.id, "再说一句")


def test_no_complaint_without_a_real_visit(door):
    requested = make_visit(door, "requested")
    with pytest.raises(Conflict) as refused:
        complaints.file_complaint(door.household, requested.id, "worker", "conduct", "没来")
    assert refused.value.code == "visit_not_started"
    ended = make_visit(door, "ended")
    with pytest.raises(NotFound):  # someone who never had this visit
        complaints.file_complaint(make_account("consumer", name="路人"), ended.id, "worker", "conduct", "不好")
    with pytest.raises(NotFound):
        complaints.file_complaint(door.household, 2**31 - 1, "worker", "conduct", "不好")
    assert count(Complaint) == 0


@pytest.mark.parametrize("args, code", [
    (("someone", "conduct", "x"), "invalid_against"),
    (("worker", "rudeness", "x"), "invalid_category"),
    (("worker", "conduct", "   "), "description_required"),
    (("worker", "conduct", "长" * 2001), "description_too_long"),
])
def test_bad_complaints_change_nothing(door, args, code):
    visit = make_visit(door, "ended")
    with pytest.raises(DomainError) as refused:
        complaints.file_complaint(door.household, visit.id, *args)
    assert refused.value.code == code and count(Complaint) == 0


@pytest.mark.parametrize("upload, code, status", [
    (b"%PDF-1.4 not an image", "evidence_not_an_image", 422),
    (b"\xff\xd8\xff\xe0 truncated jpeg", "evidence_not_an_image", 422),
    (b"\x00" * (5 * 1024 * 1024 + 1), "evidence_too_large", 413),
])
def test_evidence_must_be_a_photo_within_the_limit(door, upload, code, status):
    visit = make_visit(door, "ended")
    with pytest.raises(DomainError) as refused:
        complaints.file_complaint(door.household, visit.id, "worker", "conduct", "态度差", [photo(), upload])
    assert (refused.value.code, refused.value.status) == (code, status)
    assert count(Complaint) == 0 and count(ComplaintEvidence) == 0
    with pytest.raises(DomainError) as refused:
        complaints.file_complaint(door.household, visit.id, "worker", "conduct", "态度差", [photo()] * 7)
    assert refused.value.code == "too_much_evidence"


def test_only_the_concerned_enterprise_answers_and_only_operators_decide(door):
    visit = make_visit(door, "ended")
    complaint = complaints.file_complaint(door.household, visit.id, "worker", "conduct", "态度差")
    other_staff = make_staff(make_enterprise("别家家政有限公司"), name="别家员工")
    with pytest.raises(NotFound):
        complaints.respond(other_staff, complaint.id, "不关我们的事")
    with pytest.raises(NotFound):
        complaints.visible_complaint(other_staff, complaint.id)
    with pytest.raises(Forbidden):
        complaints.close(door.staff, complaint.id, "not_upheld", "企业自己说了算")
    with pytest.raises(DomainError) as refused:
        complaints.close(make_account("admin", name="运营"), complaint.id, "withdrawn", "替家庭撤回")
    assert refused.value.code == "invalid_outcome"
    assert complaint.state == "open" and complaint.response is None
    with pytest.raises(Conflict) as refused:  # one open complaint per visit and target
        complaints.file_complaint(door.household, visit.id, "worker", "conduct", "再投诉一次")
    assert refused.value.code == "complaint_already_open"


def test_the_household_withdraws_and_nothing_counts_against_anyone(door):
    visit = make_visit(door, "ended")
    complaint = complaints.file_complaint(door.household, visit.id, "enterprise", "service_quality", "没打扫干净")
    complaints.withdraw(door.household, complaint.id)
    assert complaint.outcome == "withdrawn" and complaint.credit_record_id is None
    with pytest.raises(Conflict):
        complaints.respond(door.staff, complaint.id, "太晚了")


def test_complaints_and_evidence_go_with_the_household(door):
    visit = make_visit(door, "ended")
    complaints.file_complaint(door.household, visit.id, "worker", "conduct", "态度差", [photo()])
    erase_account(door.household)
    assert count(Complaint) == 0 and count(ComplaintEvidence) == 0


def test_the_worker_disputes_an_upheld_complaint_through_the_dispute_flow(door):
    visit = make_visit(door, "ended")
    complaint = complaints.file_complaint(door.household, visit.id, "worker", "conduct", "态度差")
    assert all(r.kind != "complaint" for r in disputes.disputable_records(door.worker))  # open: reply instead
    complaints.close(make_account("admin", name="运营"), complaint.id, "upheld", "属实")
    listed = [r for r in disputes.disputable_records(door.worker) if r.kind == "complaint"]
    assert [r.record_id for r in listed] == [complaint.id] and "服务态度" in listed[0].description
    dispute = disputes.open_dispute(door.worker, "complaint", complaint.id, "当天我没有去过这户人家")
    assert dispute.is_open and ("complaint", complaint.id) in disputes.open_disputes_of(door.worker.id)
    with pytest.raises(NotFound):  # someone else's complaint answers as missing
        disputes.open_dispute(make_account("worker", name="别人"), "complaint", complaint.id, "不是我")
