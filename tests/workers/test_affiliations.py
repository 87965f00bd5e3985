"""The worker's side of affiliations: choosing enterprises, withdrawing a claim, the enterprises page."""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories.enterprises import make_enterprise
from tests.factories.http import api_post, csrf_token, form_post, log_in
from tests.factories.workers import CLAIMS_URL, claim_states, make_worker
from workers.models import Affiliation, Worker


def test_worker_chooses_several_enterprises_and_sees_pending(client, db_session):
    a, b = make_enterprise("甲家政"), make_enterprise("乙家政")
    account = make_worker()
    log_in(client, account)
    assert client.get("/api/v1/workers/me/status").get_json()["registration_step"] == "enterprises"
    response = api_post(client, CLAIMS_URL, {"credit_codes": [a.credit_code, b.credit_code.lower()]})
    assert response.status_code == 201, response.get_json()
    assert claim_states(client) == {a.credit_code: "pending", b.credit_code: "pending"}
    assert client.get("/api/v1/workers/me/status").get_json()["registration_step"] == "identity"
    # A double submission changes nothing.
    assert api_post(client, CLAIMS_URL, {"credit_codes": [a.credit_code]}).status_code == 201
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Affiliation)) == 2


def test_bad_claims_change_nothing(client, db_session, enterprise):
    account = make_worker()
    log_in(client, account)
    for body in ({}, {"credit_codes": []}, {"credit_codes": "x"}, {"credit_codes": ["x" * 19]},
                 {"credit_codes": [1]}):
        assert api_post(client, CLAIMS_URL, body).status_code == 422, body
    unknown = api_post(client, CLAIMS_URL, {"credit_codes": [enterprise.credit_code, "91110105999999999X"]})
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "enterprise_not_found"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Affiliation)) == 0
    assert db_session.get(Worker, account.id).registration_step == "enterprises"


def test_worker_withdraws(client, db_session, worker_account):
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    log_in(client, worker_account)
    response = client.delete(f"{CLAIMS_URL}/{affiliation.id}", headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200 and response.get_json()["state"] == "withdrawn"
    again = client.delete(f"{CLAIMS_URL}/{affiliation.id}", headers={"X-CSRFToken": csrf_token(client)})
    assert again.status_code == 409
    other = make_worker("别人")
    log_in(client, other)
    refused = client.delete(f"{CLAIMS_URL}/{affiliation.id}", headers={"X-CSRFToken": csrf_token(client)})
    assert refused.status_code == 404


def test_enterprises_page_search_and_claim(client, db_session):
    target = make_enterprise("阳光家政服务有限公司")
    account = make_worker()
    log_in(client, account)
    page = client.get("/workers/enterprises?q=阳光家政")
    assert page.status_code == 200 and target.credit_code in page.get_data(as_text=True)
    short = client.get("/workers/enterprises?q=阳")
    assert short.status_code == 200
    empty = form_post(client, "/workers/enterprises", {})
    assert empty.status_code == 422
    response = form_post(client, "/workers/enterprises", {"credit_code": target.credit_code})
    assert response.status_code == 302
    listing = client.get("/workers/enterprises").get_data(as_text=True)
    assert "阳光家政服务有限公司" in listing and "state-pending" in listing
    unknown = form_post(client, "/workers/enterprises", {"credit_code": "NOPE"})
    assert unknown.status_code == 422
    affiliation = db_session.scalars(sa.select(Affiliation)).one()
    assert form_post(client, f"/workers/enterprises/{affiliation.id}/withdraw", {}).status_code == 302
    assert form_post(client, f"/workers/enterprises/{affiliation.id}/withdraw", {}).status_code == 409


def test_only_operating_enterprises_can_be_chosen(client, db_session):
    operating = make_enterprise("阳光家政服务有限公司")
    suspended = make_enterprise("阳光家政停业分公司", status="停业")
    deregistered = make_enterprise("阳光家政注销分公司", status="注销")
    revoked = make_enterprise("阳光家政吊销分公司", status="吊销")
    account = make_worker()
    log_in(client, account)
    client.get("/?lang=en")
    refused = api_post(client, CLAIMS_URL, {"credit_codes": [operating.credit_code, deregistered.credit_code,
                                                             revoked.credit_code]})
    assert refused.status_code == 409 and refused.get_json()["code"] == "enterprise_closed"
    assert refused.get_json()["fields"]["credit_codes"] == [
        "阳光家政注销分公司 cannot be chosen: its registration status is Deregistered.",
        "阳光家政吊销分公司 cannot be chosen: its registration status is Licence revoked."]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Affiliation)) == 0
    page = form_post(client, "/workers/enterprises", {"credit_code": revoked.credit_code})
    assert page.status_code == 422
    assert "阳光家政吊销分公司 cannot be chosen" in page.get_data(as_text=True)
    # The choosing page names the closed ones but offers no box to tick for them.
    found = client.get("/workers/enterprises?q=阳光家政").get_data(as_text=True)
    for offered in (operating, suspended):
        assert f'name="credit_code" value="{offered.credit_code}"' in found
    for closed in (deregistered, revoked):
        assert closed.credit_code in found and f'value="{closed.credit_code}"' not in found
    assert "Cannot be chosen: Deregistered" in found and "Cannot be chosen: Licence revoked" in found
    assert api_post(client, CLAIMS_URL, {"credit_codes": [operating.credit_code, suspended.credit_code]}
                    ).status_code == 201
