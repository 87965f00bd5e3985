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
