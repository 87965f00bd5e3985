"""The enterprise side of affiliations: staff confirm, reject and end claims, list and export the roster."""
from __future__ import annotations

import sqlalchemy as sa

from registry.accounts import services as account_services
from registry.accounts.models import SmsMessage
from registry.core.crypto import lookup_hash
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_enterprise, make_staff
from tests.factories.face import make_face_check
from tests.factories.http import api_post, form_post, log_in
from tests.factories.workers import CLAIMS_URL, at_china_time, claim_states, make_worker
from workers.attendance import checkins
from workers.models import Affiliation, WorkerNotice
from workers.roster import services as roster_services


def test_enterprise_staff_confirm_and_worker_sees_it(client, db_session, worker_account, enterprise):
    staff = make_staff(enterprise)
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    log_in(client, staff)
    roster = client.get("/api/v1/enterprise/roster").get_json()
    assert roster["total"] == 1 and roster["items"][0]["state"] == "pending"
    assert roster["items"][0]["phone_masked"].count("*") == 4
    response = api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/confirm")
    assert response.status_code == 200 and response.get_json()["state"] == "confirmed"
    # Twice is harmless.
    assert api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/confirm").status_code == 200
    assert api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/reject").status_code == 409
    log_in(client, worker_account)
    assert claim_states(client) == {enterprise.credit_code: "confirmed"}


def test_forged_confirmation_by_another_enterprises_staff_is_refused(client, db_session, worker_account):
    other = make_enterprise("别家公司")
    intruder = make_staff(other, name="别家员工")
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    log_in(client, intruder)
    for action in ("confirm", "reject", "end"):
        response = api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/{action}")
        assert response.status_code == 404 and response.get_json()["code"] == "affiliation_not_found"
    page = form_post(client, f"/enterprise/affiliations/{affiliation.id}/confirm", {})
    assert page.status_code == 404
    assert client.get("/api/v1/enterprise/roster").get_json()["total"] == 0
    db_session.expire_all()
    assert db_session.get(Affiliation, affiliation.id).state == "pending"


def test_only_linked_staff_may_act(client, db_session, worker_account):
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    log_in(client, worker_account)  # the worker confirming their own claim
    assert api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/confirm").status_code == 403
    unlinked = make_account("enterprise_staff")
    log_in(client, unlinked)
    response = client.get("/api/v1/enterprise/roster")
    assert response.status_code == 403 and response.get_json()["code"] == "no_enterprise"
    assert client.get("/enterprise/roster").status_code == 403
    db_session.expire_all()
    assert db_session.get(Affiliation, affiliation.id).state == "pending"


def test_reject_then_claim_again(client, db_session, worker_account, enterprise):
    staff = make_staff(enterprise)
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    log_in(client, staff)
    assert api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/end").status_code == 409
    assert api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/reject").status_code == 200
    log_in(client, worker_account)
    assert claim_states(client) == {enterprise.credit_code: "rejected"}
    assert api_post(client, CLAIMS_URL, {"credit_codes": [enterprise.credit_code]}).status_code == 201
    assert claim_states(client) == {enterprise.credit_code: "pending"}


def test_end_tells_the_worker_in_app_and_by_sms(client, db_session, worker_account, enterprise):
    staff = make_staff(enterprise)
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    log_in(client, staff)
    api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/confirm")
    assert api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/end").status_code == 200
    assert api_post(client, f"/api/v1/enterprise/affiliations/{affiliation.id}/end").status_code == 200
    messages = db_session.scalars(sa.select(SmsMessage).where(
        SmsMessage.phone_hash == lookup_hash(worker_account.phone, "phone"))).all()
    assert len(messages) == 1 and enterprise.name in messages[0].body
    assert db_session.scalar(sa.select(sa.func.count()).select_from(WorkerNotice).where(
        WorkerNotice.kind == "affiliation_ended")) == 1
    log_in(client, worker_account)
    notices = client.get("/api/v1/workers/me/notices").get_json()["items"]
    assert any(enterprise.name in n["text"] for n in notices)
    home = client.get("/workers")
    assert enterprise.name in home.get_data(as_text=True)


def test_roster_status_filters_and_csv(client, db_session, enterprise, set_clock):
    staff = make_staff(enterprise)
    set_clock(at_china_time(2026, 1, 1, 10))
    old = make_worker("老王", enterprises=[enterprise])
    set_clock(at_china_time(2026, 2, 20, 10))
    fresh = make_worker("=SUM(A1)", enterprises=[enterprise])
    checkins.check_in(fresh, make_face_check(fresh).id)
    for affiliation in db_session.scalars(sa.select(Affiliation)):
        roster_services.confirm(staff, affiliation.id)
    log_in(client, staff)
    departed = client.get("/api/v1/enterprise/roster?status=departed").get_json()
    assert [r["worker_id"] for r in departed["items"]] == [old.id]
    active = client.get("/api/v1/enterprise/roster?status=active&state=confirmed").get_json()
    assert [r["worker_id"] for r in active["items"]] == [fresh.id]
    assert active["items"][0]["last_check_in_at"] is not None
    assert client.get("/api/v1/enterprise/roster?status=gone").status_code == 422
    assert client.get("/api/v1/enterprise/roster?page=0").status_code == 422
    csv_response = client.get("/enterprise/roster.csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    text = csv_response.data.decode("utf-8")
    assert text.startswith("\ufeff") and "老王" in text and "'=SUM(A1)" in text
    assert fresh.phone not in text
    page = client.get("/enterprise/roster?status=departed")
    assert page.status_code == 200 and "老王" in page.get_data(as_text=True)
    assert client.get("/enterprise/roster?status=bogus&page=x").status_code == 200


def test_roster_page_actions(client, db_session, worker_account, enterprise):
    staff = make_staff(enterprise)
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    log_in(client, staff)
    response = form_post(client, f"/enterprise/affiliations/{affiliation.id}/confirm", {})
    assert response.status_code == 302
    assert form_post(client, f"/enterprise/affiliations/{affiliation.id}/explode", {}).status_code == 404
    conflict = form_post(client, f"/enterprise/affiliations/{affiliation.id}/reject", {})
    assert conflict.status_code == 409
    db_session.expire_all()
    assert db_session.get(Affiliation, affiliation.id).state == "confirmed"


def test_deleting_staff_keeps_their_decisions_without_author(db_session, worker_account, enterprise):
    staff = make_staff(enterprise)
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    roster_services.confirm(staff, affiliation.id)
    account_services.erase_account(staff)
    db_session.expire_all()
    kept = db_session.get(Affiliation, affiliation.id)
    assert kept.state == "confirmed" and kept.decided_by_id is None
