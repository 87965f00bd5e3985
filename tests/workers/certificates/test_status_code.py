"""The status code (安心码), one case per rule; the rules are computed from the records every time."""
from __future__ import annotations

import datetime as dt

import pytest

from registry.accounts.services import erase_account
from registry.core import clock
from registry.core.errors import NotFound
from registry.core.extensions import db
from tests.factories.accounts import make_account
from tests.factories.visits import make_door, make_visit
from tests.visits.test_complaints import photo
from visits import complaints
from workers.certificates import services as certificates
from workers.certificates import status_code
from workers.models import Worker
from workers.records import services as records


def upload(door, kind, days_left, verify=True):
    today = clock.china_today()
    record = records.add_record(door.worker, kind, "机构", None, today - dt.timedelta(days=10),
                                today + dt.timedelta(days=days_left), photo())
    if verify:
        records.decide(door.staff, record.id, "verify")
    return record


@pytest.fixture
def green(db_session):
    """A worker with everything in order: identity verified, active, verified health check and insurance."""
    door = make_door()
    worker = db.session.get(Worker, door.worker.id)
    worker.identity_verified_at = clock.now()
    upload(door, "health_certificate", 300)
    upload(door, "accident_insurance", 200)
    return door


def code(door):
    return status_code.compute(door.worker.id)


def test_green_when_everything_is_in_order(green):
    status = code(green)
    assert status.colour == "green" and status.reasons == ()
    assert status.valid_until == clock.china_today() + dt.timedelta(days=200 - 31)  # insurance turns yellow first


@pytest.mark.parametrize("change, reason", [
    (lambda d: setattr(db.session.get(Worker, d.worker.id), "identity_verified_at", None), "identity_unverified"),
    (lambda d: upload(d, "health_certificate", 20), "health_expiring"),
    (lambda d: upload(d, "liability_insurance", 10), "insurance_expiring"),
])
def test_yellow_rules(green, change, reason):
    if reason.endswith("_expiring"):  # the valid record of that category is replaced by one ending soon
        category = reason.split("_")[0]
        for record in records.records_of(green.worker.id, category):
            records.remove_record(green.worker, record.id)
    change(green)
    status = code(green)
    assert status.colour == "yellow" and status.reasons == (reason,)


def test_yellow_when_a_record_is_missing_or_unverified(db_session):
    door = make_door()
    db.session.get(Worker, door.worker.id).identity_verified_at = clock.now()
    assert code(door).reasons == ("health_missing", "insurance_missing")
    upload(door, "health_check", 100, verify=False)
    upload(door, "accident_insurance", 100)
    status = code(door)
    assert status.colour == "yellow" and status.reasons == ("health_unverified",)
    assert status.categories == ("health",)


def test_yellow_while_a_complaint_about_the_worker_is_open(green):
    visit = make_visit(green, "ended")
    complaint = complaints.file_complaint(green.household, visit.id, "worker", "safety", "没关燃气")
    status = code(green)
    assert status.colour == "yellow" and status.reasons == ("serious_complaint_open",)
    assert status.categories == ("service",) and "投诉" in status.reason_words()[0]
    complaints.close(make_account("admin", name="运营"), complaint.id, "not_upheld", "查无此事")
    assert code(green).colour == "green"


def test_red_when_departed(green, move_clock):
    move_clock(dt.timedelta(days=31))
    assert code(green).colour == "red" and "departed" in code(green).reasons


def test_red_when_the_certificate_is_revoked(green):
    certificate = certificates.ensure_certificate(db.session.get(Worker, green.worker.id))
    certificate.revoked_at = clock.now()
    db.session.flush()
    assert code(green).colour == "red" and code(green).reasons == ("certificate_revoked",)


@pytest.mark.parametrize("category", ["health", "insurance"])
def test_red_when_health_or_insurance_has_run_out(green, move_clock, category):
    move_clock(dt.timedelta(days=301 if category == "health" else 201))
    db.session.get(Worker, green.worker.id).due_on = clock.china_today() + dt.timedelta(days=5)  # still active
    status = code(green)
    assert status.colour == "red" and f"{category}_expired" in status.reasons


def test_no_status_for_a_deleted_worker(green):
    worker_id = green.worker.id
    erase_account(green.worker)
    with pytest.raises(NotFound) as refused:
        status_code.compute(worker_id)
    assert refused.value.code == "worker_not_found"
