"""Health, insurance and training records: uploads, verification by the right people, reminders, feeds, deletion."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from registry.accounts.services import erase_account
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.feeds import services as feeds
from registry.jobs.models import Job
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_enterprise, make_staff
from tests.factories.http import csrf_token, log_in
from tests.factories.visits import make_door
from tests.visits.test_complaints import photo
from workers.records import presenting, services
from workers.records.models import CredentialRecord

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def door(db_session):
    return make_door()


def today() -> dt.date:
    return clock.china_today()


def add(door, kind="health_certificate", expires_in=200, document=None, **overrides):
    args = {"issuer": "北京市朝阳区疾控中心", "number": "JK2026001234", "issued_on": today() - dt.timedelta(days=30),
            "expires_on": today() + dt.timedelta(days=expires_in) if expires_in is not None else None, **overrides}
    return services.add_record(door.worker, kind, args["issuer"], args["number"], args["issued_on"],
                               args["expires_on"], document if document is not None else photo())


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CredentialRecord))


def test_an_upload_stays_self_reported_until_its_enterprise_verifies_it(door):
    record = add(door)
    assert record.state == "pending" and record.document_type == "image/jpeg" and record.category == "health"
    assert services.pending_for(door.staff) == [record]
    services.decide(door.staff, record.id, "verify")
    assert record.state == "verified" and record.verified_via == "enterprise"
    assert record.verified_enterprise_id == door.enterprise.id and services.pending_for(door.staff) == []
    assert services.category_standing(door.worker.id, "health").verified_valid
    with pytest.raises(Conflict):
        services.decide(door.staff, record.id, "reject", "看错了")
    shown = presenting.describe(record, for_owner=False)
    assert shown["number"] == "JK********34" and shown["source"] == "企业核验"


def test_a_pdf_is_accepted_and_an_operator_can_reject_with_a_reason(door):
    record = add(door, "skill_certificate", expires_in=None, document=PDF)
    assert record.document_type == "application/pdf" and record.expires_on is None
    operator = make_account("admin", name="运营")
    with pytest.raises(DomainError) as refused:
        services.decide(operator, record.id, "reject", "  ")
    assert refused.value.code == "reason_required" and record.state == "pending"
    services.decide(operator, record.id, "reject", "证书编号与照片不符")
    assert record.state == "rejected" and record.verified_via == "operator"
    assert not services.category_standing(door.worker.id, "training").any_record


def test_staff_of_another_enterprise_or_a_household_cannot_see_or_verify(door):
    record = add(door)
    other = make_staff(make_enterprise("别家家政有限公司"), name="别家员工")
    with pytest.raises(NotFound):
        services.decide(other, record.id, "verify")
    with pytest.raises(NotFound):
        services.record_for_verifier(door.household, record.id)
    assert services.pending_for(other) == []
    with pytest.raises(Forbidden):
        services.pending_for(door.household)
    assert record.state == "pending"


@pytest.mark.parametrize("overrides, document, code", [
    ({"kind": "passport"}, None, "invalid_kind"),
    ({"issuer": " "}, None, "invalid_issuer"),
    ({"number": "9" * 65}, None, "invalid_number"),
    ({"issued_on": "future"}, None, "issued_in_future"),
    ({"expires_in": None}, None, "expiry_required"),
    ({"expires_in": -40}, None, "expiry_before_issue"),
    ({}, b"GIF89a not accepted", "document_not_accepted"),
    ({}, b"%PDF-1.4 no end marker", "document_not_accepted"),
    ({}, b"\xff" * (10 * 1024 * 1024 + 1), "document_too_large"),
])
def test_bad_uploads_are_named_and_change_nothing(door, overrides, document, code):
    kind = overrides.pop("kind", "accident_insurance")
    if overrides.get("issued_on") == "future":
        overrides["issued_on"] = today() + dt.timedelta(days=1)
    expires = overrides.pop("expires_in", 200)
    with pytest.raises(DomainError) as refused:
        add(door, kind, expires, document, **overrides)
    assert refused.value.code == code and count() == 0


def test_reminders_30_and_7_days_before_each_once(door, move_clock):
    record = add(door, expires_in=40)
    services.decide(door.staff, record.id, "verify")
    assert [r for batch in services.due_reminders() for r in batch] == []
    move_clock(dt.timedelta(days=11))  # 29 days left
    assert sum(services.send_reminders(batch) for batch in services.due_reminders()) == 1
    assert sum(services.send_reminders(batch) for batch in services.due_reminders()) == 0  # a rerun sends none
    move_clock(dt.timedelta(days=23))  # 6 days left
    assert sum(services.send_reminders(batch) for batch in services.due_reminders()) == 1
    assert record.reminded_30 and record.reminded_7
    bodies = [json.loads(job.payload)["body"] for job in db.session.scalars(
        sa.select(Job).where(Job.kind == "sms.message").order_by(Job.id))]
    assert any("健康证" in body and "还有29天" in body for body in bodies)
    assert any("还有6天" in body for body in bodies)
    assert services.category_standing(door.worker.id, "health").expiring


def test_institution_feeds_show_as_institution_data_beside_uploads(door):
    report = feeds.ImportReport()
    feeds.import_lines("insurance", [(1, json.dumps({
        "id_number": door.worker.id_number, "source": "中国人寿北京分公司", "as_of": str(today()),
        "items": [{"kind": "liability_insurance", "issuer": "中国人寿", "number": "P2026-88",
                   "issued_on": str(today() - dt.timedelta(days=10)),
                   "expires_on": str(today() + dt.timedelta(days=355))}]}, ensure_ascii=False))], report)
    assert report.loaded == 1 and not report.errors
    add(door, "accident_insurance")
    table = presenting.household_table(door.worker, ("insurance",))
    sources = [row[-1] for row in table.rows]
    assert sources == ["本人填报", "机构数据（中国人寿北京分公司）"]


def test_bad_feed_lines_are_reported_per_line(door):
    report = feeds.ImportReport()
    feeds.import_lines("health", [(1, json.dumps({"id_number": door.worker.id_number, "source": "医院",
                                                  "as_of": str(today()), "items": [{"kind": "health_check",
                                                                                    "issuer": "医院",
                                                                                    "issued_on": str(today())}]})),
                                  (2, json.dumps({"id_number": door.worker.id_number, "source": "医院",
                                                  "as_of": str(today()), "items": []}))], report)
    assert report.loaded == 0 and {(e.line, e.field) for e in report.errors} == {(1, "items.0.expires_on"),
                                                                                (2, "items")}


def test_records_go_with_the_account(door):
    add(door)
    erase_account(door.worker)
    assert count() == 0


def test_the_api_and_pages(app, door):
    worker = app.test_client()
    log_in(worker, door.worker)
    response = worker.post("/api/v1/workers/me/records", content_type="multipart/form-data",
                           headers={"X-CSRFToken": csrf_token(worker)},
                           data={"kind": "health_check", "issuer": "医院", "issued_on": str(today()),
                                 "expires_on": str(today() + dt.timedelta(days=365)),
                                 "document": (io.BytesIO(photo()), "check.jpg")})
    assert response.status_code == 201, response.get_json()
    record_id = response.get_json()["id"]
    missing = worker.post("/api/v1/workers/me/records", content_type="multipart/form-data",
                          headers={"X-CSRFToken": csrf_token(worker)},
                          data={"kind": "health_check", "issuer": "医院", "issued_on": "yesterday"})
    assert missing.status_code == 422 and {"document", "issued_on"} <= set(missing.get_json()["fields"])
    assert worker.get(f"/records/{record_id}/document").status_code == 200
    staff = app.test_client()
    log_in(staff, door.staff)
    assert staff.get(f"/records/{record_id}/document").mimetype == "image/jpeg"
    decided = staff.post(f"/api/v1/verifications/records/{record_id}", json={"decision": "verify"},
                         headers={"X-CSRFToken": csrf_token(staff)})
    assert decided.status_code == 200 and decided.get_json()["state"] == "verified"
    household = app.test_client()
    log_in(household, door.household)
    assert household.get(f"/records/{record_id}/document").status_code == 403
    assert household.get("/api/v1/workers/me/records").status_code == 403
    page = worker.get("/workers/records").get_data(as_text=True)
    assert 'data-testid="record-state-verified"' in page
    assert staff.get("/verifications/records").status_code == 200


def test_the_enterprise_dashboard_shows_status_codes_and_expiring_records(app, door):
    add(door, expires_in=20)
    add(door, "accident_insurance", expires_in=300)
    other = make_door(worker_name="吴小梅", household_name="林家", enterprise_name="别家家政服务有限公司")
    services.add_record(other.worker, "accident_insurance", "保险公司", None, today(), today() + dt.timedelta(days=5),
                        photo())
    assert [r.worker_id for r in services.expiring_for_enterprise(door.enterprise.id)] == [door.worker.id]
    staff = app.test_client()
    log_in(staff, door.staff)
    page = staff.get("/enterprise/roster").get_data(as_text=True)
    assert f'data-testid="roster-code-{door.worker.id}" data-colour="yellow"' in page
    assert "健康证" in page.split('data-testid="expiring-records"')[1]
    assert "吴" not in page  # another enterprise's worker
