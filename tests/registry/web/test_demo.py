"""`flask demo seed`: a demo account for every role at every interesting stage, each able to log in and
do what its stage allows; a second run changes nothing; demo dates lie in the past; the development home
page lists the accounts and production's does not."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from consent import services as consent
from consent.models import SignedConsent
from registry.accounts import services as accounts
from registry.accounts.models import Account, LoginSession, SmsMessage
from registry.audit.models import AuditEvent
from registry.core import clock
from registry.enterprises import demo as enterprise_demo
from registry.enterprises import services as enterprises
from registry.enterprises.models import CreditRecord, Enterprise, EnterpriseStaff
from registry.news.models import Article
from tests.factories.http import log_in
from workers import services as worker_services
from workers.certificates import services as certificates
from workers.certificates.models import Certificate
from workers.identity.models import IdentityRecord
from workers.models import Affiliation, Worker, WorkerNotice

PHONES = {"operator": "13800000000", "registered": "13800000001", "halfway": "13800000002",
          "departed": "13800000003", "household": "13800000004", "staff": "13800000005"}
# Tables the seed writes to (LoginSession and SmsMessage to see that it logs nobody in and sends nothing).
TABLES = (Account, Worker, Affiliation, WorkerNotice, IdentityRecord, SignedConsent, Certificate, Enterprise,
          CreditRecord, EnterpriseStaff, Article, AuditEvent, LoginSession, SmsMessage)


def seed(runner) -> str:
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def account(stage: str) -> Account:
    found = accounts.find_by_phone(PHONES[stage])
    assert found is not None, stage
    return found


def counts(session) -> dict[str, int]:
    return {t.__name__: session.scalar(sa.select(sa.func.count()).select_from(t)) for t in TABLES}


def days_since(moment: dt.datetime) -> int:
    return (clock.china_today() - worker_services.china_date(moment)).days


def test_seed_makes_every_role_at_its_stage(runner, db_session):
    output = seed(runner)
    assert all(phone in output for phone in PHONES.values())

    assert account("operator").role == "admin"
    assert account("household").role == "consumer" and account("household").id_number
    staff = account("staff")
    assert staff.role == "enterprise_staff"
    demo_enterprise = enterprises.staff_enterprise(staff.id)
    assert demo_enterprise.credit_code == enterprise_demo.DEMO_ENTERPRISE_CODE
    assert demo_enterprise.name.endswith("（演示）") and demo_enterprise.status == "operating"

    def affiliation_state(worker: Worker) -> str:
        return db_session.scalars(sa.select(Affiliation.state).where(
            Affiliation.worker_id == worker.account_id, Affiliation.enterprise_id == demo_enterprise.id)).one()

    registered = db_session.get(Worker, account("registered").id)
    assert registered.registration_step == "complete"
    assert registered.identity_verified_at is not None and registered.authorized_at is not None
    signed = consent.active_consent(account("registered"))
    assert signed is not None and consent.verify_signature(signed)
    assert affiliation_state(registered) == "confirmed"
    assert days_since(registered.last_check_in_at) == 3
    assert worker_services.effective_status(registered) == "active"
    status, _expires = certificates.token_status(certificates.show(registered).token)
    assert status == "active"

    halfway = db_session.get(Worker, account("halfway").id)
    assert halfway.registration_step == "identity" and halfway.identity_verified_at is None
    assert affiliation_state(halfway) == "pending"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SignedConsent)
                             .where(SignedConsent.account_id == halfway.account_id)) == 0

    departed = db_session.get(Worker, account("departed").id)
    assert departed.registration_step == "complete" and consent.active_consent(account("departed"))
    assert days_since(departed.last_check_in_at) > 30
    assert departed.status == "departed" and departed.departed_since is not None
    assert worker_services.effective_status(departed) == "departed"
    assert affiliation_state(departed) == "confirmed"
    status, _expires = certificates.token_status(certificates.show(departed).token)
    assert status == "departed"


def test_seeding_twice_changes_nothing(runner, db_session):
    seed(runner)
    before = counts(db_session)
    workers_before = db_session.execute(sa.select(Worker.account_id, Worker.registration_step, Worker.status,
                                                  Worker.last_check_in_at, Worker.due_on)).all()
    output = seed(runner)
    assert counts(db_session) == before
    assert db_session.execute(sa.select(Worker.account_id, Worker.registration_step, Worker.status,
                                        Worker.last_check_in_at, Worker.due_on)).all() == workers_before
    assert "already there" in output
    assert before["Account"] == 6 and before["SmsMessage"] == 0 and before["LoginSession"] == 0


def test_a_later_seed_checks_the_registered_worker_in_again_once_it_would_have_departed(runner, db_session,
                                                                                        move_clock):
    seed(runner)
    move_clock(dt.timedelta(days=30))
    assert "checked in again" in seed(runner)
    registered = db_session.get(Worker, account("registered").id)
    assert worker_services.effective_status(registered) == "active" and days_since(registered.last_check_in_at) == 0
    assert "checked in again" not in seed(runner)


@pytest.mark.parametrize(("stage", "page"), [("registered", "/workers/certificate"), ("halfway", "/workers"),
                                             ("departed", "/workers/certificate"), ("household", "/scan"),
                                             ("staff", "/enterprise/roster"), ("operator", "/admin")])
def test_each_demo_account_logs_in_with_an_sms_code_and_opens_its_page(runner, client, stage, page):
    seed(runner)
    log_in(client, account(stage))
    response = client.get(page)
    assert response.status_code == 200, (stage, response.status_code)
    if stage == "staff":
        assert "李演示" in response.get_data(as_text=True)  # the halfway worker's claim waits for the staff


def test_demo_dates_lie_in_the_past():
    latest = enterprise_demo.LATEST_DAY
    assert latest < dt.date.today()
    for row in [*enterprise_demo.generate(3000), enterprise_demo.demo_enterprise_row()]:
        days = [row["registered_on"], row["commitment_signed_on"], *(r["occurred_on"] for r in row["records"])]
        assert all(dt.date.fromisoformat(day) <= latest for day in days if day), row["credit_code"]
    assert any(row["records"] for row in enterprise_demo.generate(300))


def test_development_home_page_lists_the_demo_accounts(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'data-testid="demo-accounts"' in page and "/dev/outbox" in page
    for phone in PHONES.values():
        assert f'<td data-testid="demo-phone">{phone}</td>' in page


def test_production_home_page_lists_no_demo_accounts(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ENV", "production")
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "demo-accounts" not in page and "13800000001" not in page
