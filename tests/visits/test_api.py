"""The visit journey over HTTP: the door, the rating, the complaint, its answer and decision; bad input."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from registry.core import clock
from registry.core.extensions import db
from tests.factories.accounts import make_account
from tests.factories.consumers import approve, scan
from tests.factories.http import api_post, csrf_token, form_post, log_in
from tests.factories.visits import make_door, make_visit
from tests.visits.test_complaints import photo
from visits.models import Complaint, HomeVisit, VisitRating
from workers.records import services as records


@pytest.fixture
def door(db_session):
    return make_door()


def client_for(app, account):
    client = app.test_client()
    log_in(client, account)
    return client


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def complain(client, visit_id, data, files=()):
    body = {**data, "evidence": [(io.BytesIO(f), f"photo-{i}.jpg", "image/jpeg") for i, f in enumerate(files)]}
    return client.post(f"/api/v1/visits/{visit_id}/complaints", data=body, content_type="multipart/form-data",
                       headers={"X-CSRFToken": csrf_token(client)})


def test_the_whole_journey_over_the_api(app, door):
    household, worker, staff = (client_for(app, a) for a in (door.household, door.worker, door.staff))
    operator = client_for(app, make_account("admin", name="运营"))
    asked = api_post(household, "/api/v1/visits", {"scanned": door.scanned(), "area": "朝阳区"})
    assert asked.status_code == 201, asked.get_json()
    visit = asked.get_json()
    assert visit["state"] == "requested" and visit["worker_name"] == "周*桐" and visit["can_complain"] is False
    assert visit["enterprise_name"] == "安心家政服务有限公司"
    outbox = worker.get(f"/api/v1/dev/outbox?phone={door.worker.phone}").get_json()["items"]
    assert "请您确认入户" in outbox[0]["body"]
    started = api_post(worker, f"/api/v1/visits/{visit['id']}/confirmation")
    assert started.status_code == 200 and started.get_json()["state"] == "started"
    assert started.get_json()["household_name"] == "郑*"
    assert api_post(household, f"/api/v1/visits/{visit['id']}/end").get_json()["state"] == "ended"
    rated = api_post(household, f"/api/v1/visits/{visit['id']}/rating", {"stars": 4, "tags": ["punctual"]})
    assert rated.status_code == 201 and rated.get_json()["stars"] == 4
    again = api_post(household, f"/api/v1/visits/{visit['id']}/rating", {"stars": 5})
    assert again.status_code == 409 and again.get_json()["code"] == "already_rated"
    filed = complain(household, visit["id"], {"against": "enterprise", "category": "pricing",
                                              "description": "多收了钱"}, [photo()])
    assert filed.status_code == 201, filed.get_json()
    complaint = filed.get_json()
    assert complaint["evidence_count"] == 1 and complaint["state"] == "open"
    listed = staff.get("/api/v1/enterprise/complaints").get_json()["items"]
    assert [c["id"] for c in listed] == [complaint["id"]]
    answered = api_post(staff, f"/api/v1/complaints/{complaint['id']}/response", {"response": "已退款"})
    assert answered.status_code == 200 and answered.get_json()["state"] == "answered"
    assert [c["id"] for c in operator.get("/api/v1/admin/complaints").get_json()["items"]] == [complaint["id"]]
    decided = api_post(operator, f"/api/v1/complaints/{complaint['id']}/decision",
                       {"outcome": "upheld", "note": "属实"})
    assert decided.status_code == 200 and decided.get_json()["state"] == "closed"
    seen = staff.get("/api/v1/enterprise/visits").get_json()
    assert seen["ended"] == 1 and seen["by_worker"][0]["visits"] == 1 and "household" not in str(seen)


@pytest.mark.parametrize("body, status, field", [
    ({}, 422, "scanned"),
    ({"scanned": ""}, 422, "scanned"),
    ({"scanned": "x", "enterprise_id": "one"}, 422, "enterprise_id"),
    ({"scanned": "x", "enterprise_id": 2**40}, 422, None),  # refused before any schema: out of range
    ({"scanned": "x", "area": "区" * 41}, 422, "area"),
])
def test_bad_entry_requests_are_named_and_change_nothing(app, door, body, status, field):
    household = client_for(app, door.household)
    response = api_post(household, "/api/v1/visits", body)
    assert response.status_code == status and (field is None or field in response.get_json()["fields"])
    assert count(HomeVisit) == 0


def test_a_bad_scan_at_the_door_is_a_422_with_its_reason(app, door):
    household = client_for(app, door.household)
    response = api_post(household, "/api/v1/visits", {"scanned": "ABCDEFGHJK"})
    assert response.status_code == 422 and response.get_json()["code"] == "code_check"
    assert count(HomeVisit) == 0


def test_bad_ratings_and_complaints_are_named_and_change_nothing(app, door):
    visit = make_visit(door, "ended")
    household = client_for(app, door.household)
    for body, field in [({"stars": 9}, "stars"), ({"stars": "5"}, "stars"), ({"stars": 3, "tags": ["rude"]}, "tags"),
                        ({"stars": 3, "comment": "长" * 501}, "comment")]:
        response = api_post(household, f"/api/v1/visits/{visit.id}/rating", body)
        assert response.status_code == 422 and field in response.get_json()["fields"], body
    response = complain(household, visit.id, {"against": "worker", "category": "nope", "description": "x"})
    assert response.status_code == 422 and "category" in response.get_json()["fields"]
    response = complain(household, visit.id, {"against": "worker", "category": "conduct", "description": "x"},
                        [b"not an image"])
    assert response.status_code == 422 and response.get_json()["code"] == "evidence_not_an_image"
    assert count(VisitRating) == 0 and count(Complaint) == 0


def test_strangers_get_404s_and_wrong_roles_403s(app, door):
    visit = make_visit(door, "ended")
    stranger = client_for(app, make_account("consumer", name="路人"))
    assert stranger.get(f"/api/v1/visits/{visit.id}").status_code == 404
    assert api_post(stranger, f"/api/v1/visits/{visit.id}/rating", {"stars": 1}).status_code == 404
    response = complain(stranger, visit.id, {"against": "worker", "category": "conduct", "description": "x"})
    assert response.status_code == 404 and count(Complaint) == 0
    staff = client_for(app, door.staff)
    assert api_post(staff, "/api/v1/visits", {"scanned": door.scanned()}).status_code == 403
    assert staff.get("/api/v1/visits").status_code == 403
    household = client_for(app, door.household)
    assert household.get("/api/v1/admin/complaints").status_code == 403
    assert household.get("/api/v1/enterprise/complaints").status_code == 403


def test_the_pages_take_the_household_and_worker_through_a_visit(app, door):
    household, worker = client_for(app, door.household), client_for(app, door.worker)
    assert "确认入户" in household.get("/visits/entry").get_data(as_text=True)
    empty = form_post(household, "/visits/entry", {"scanned": "", "enterprise_id": "", "area": ""})
    assert empty.status_code == 422 and count(HomeVisit) == 0
    started = form_post(household, "/visits/entry", {"scanned": door.scanned(), "enterprise_id": "", "area": ""})
    assert started.status_code == 302
    visit_id = int(started.headers["Location"].rsplit("/", 1)[1])
    assert 'data-testid="visit-waiting"' in household.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert form_post(worker, f"/visits/{visit_id}/confirm", {}).status_code == 302
    assert form_post(worker, f"/visits/{visit_id}/confirm", {}).status_code == 409  # already started
    assert form_post(household, f"/visits/{visit_id}/end", {}).status_code == 302
    page = household.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert 'data-testid="rating-form"' in page and 'data-testid="complaint-form"' in page
    assert form_post(household, f"/visits/{visit_id}/rating/new", {"stars": "9"}).status_code == 422
    assert form_post(household, f"/visits/{visit_id}/rating/new", {"stars": "5", "tags": ["careful"]}
                     ).status_code == 302
    assert 'data-testid="rated"' in household.get(f"/visits/{visit_id}").get_data(as_text=True)
    filed = household.post(f"/visits/{visit_id}/complaints/new", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(household), "against": "worker", "category": "conduct",
                                 "description": "态度不好", "evidence": [(io.BytesIO(photo()), "a.jpg")]})
    assert filed.status_code == 302
    complaint_url = filed.headers["Location"]
    page = household.get(complaint_url).get_data(as_text=True)
    assert "态度不好" in page and 'data-testid="withdraw"' in page
    evidence = household.get(complaint_url + "/evidence/" + str(db.session.scalar(sa.select(Complaint)).evidence[0].id))
    assert evidence.status_code == 200 and evidence.mimetype == "image/jpeg"
    assert "private" in evidence.headers["Cache-Control"]
    stranger = client_for(app, make_account("consumer", name="路人"))
    assert stranger.get(complaint_url).status_code == 404
    assert form_post(worker, f"/visits/{visit_id}/fly", {}).status_code == 404


def test_the_household_credit_view_shows_aggregates_only(app, door):
    visit = make_visit(door, "ended")
    household, worker = client_for(app, door.household), client_for(app, door.worker)
    api_post(household, f"/api/v1/visits/{visit.id}/rating", {"stars": 5, "tags": ["punctual"], "comment": "秘密"})
    request_id = scan(household, door.scanned()).get_json()["request_id"]
    grant_id = approve(worker, door.worker, request_id).get_json()["id"]
    sections = {s["key"]: s for s in household.get(f"/api/v1/grants/{grant_id}/view").get_json()["sections"]}
    feedback = sections["service_feedback"]
    assert feedback["data"]["ratings"]["count"] == 1 and feedback["data"]["ratings"]["average"] == 5.0
    assert "秘密" not in str(feedback)  # a comment is never shown, only counts


def test_the_scan_shows_the_status_code_before_consent_and_the_door_button_starts_a_visit(app, door):
    household = client_for(app, door.household)
    result = scan(household, door.scanned()).get_json()
    assert result["status_code"] == "yellow"  # no verified health check or insurance yet
    assert result["status_code_about"] == ["实名认证", "健康体检", "保险"]  # identity, health check, insurance
    assert "JK" not in str(result) and door.worker.name not in str(result)  # categories only, nothing personal
    page = household.get(f"/requests/{result['request_id']}").get_data(as_text=True)
    assert 'data-colour="yellow"' in page and 'data-testid="confirm-entry"' in page
    entered = form_post(household, f"/requests/{result['request_id']}/entry", {})
    assert entered.status_code == 302 and "/visits/" in entered.headers["Location"]
    assert db.session.scalar(sa.select(HomeVisit)).state == "requested"
    stranger = client_for(app, make_account("consumer", name="路人"))
    assert form_post(stranger, f"/requests/{result['request_id']}/entry", {}).status_code == 404


def test_the_data_export_holds_visits_complaints_and_records_in_words(app, door):
    visit = make_visit(door, "ended")
    household, worker = client_for(app, door.household), client_for(app, door.worker)
    api_post(household, f"/api/v1/visits/{visit.id}/rating", {"stars": 5, "tags": ["careful"], "comment": "很细心"})
    complain(household, visit.id, {"against": "worker", "category": "conduct", "description": "说话不礼貌"}, [photo()])
    today = clock.china_today()
    records.add_record(door.worker, "health_certificate", "朝阳区疾控中心", "JK1", today,
                       today + dt.timedelta(days=365), photo())
    mine = household.get("/api/v1/me/export").get_json()["document"]["sections"]["visits"]
    assert mine["visits"][0]["rating"] == {"stars": 5, "tags": ["careful"], "comment": "很细心"}
    assert mine["complaints"][0]["description"] == "说话不礼貌" and mine["complaints"][0]["evidence_photos"] == 1
    theirs = worker.get("/api/v1/me/export").get_json()["document"]["sections"]
    assert theirs["visits"]["visits"][0]["with"] == "郑*" and theirs["visits"]["visits"][0]["rating"] is None
    assert theirs["worker"]["credential_records"][0]["issuer"] == "朝阳区疾控中心"
    page = worker.get("/me/export").get_data(as_text=True)
    assert "说话不礼貌" in page and "健康证" in page and "朝阳区疾控中心" in page
