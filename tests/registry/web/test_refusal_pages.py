"""A refusal page says why in words and shows the way on: the unfinished step, logging in, or home."""
from __future__ import annotations

from tests.factories.accounts import last_code, make_id_number, make_phone
from tests.factories.http import form_post, log_in
from tests.factories.workers import make_worker
from workers.models import RegistrationStep


def test_a_new_worker_goes_straight_on_to_the_first_step(client, db_session):
    phone = make_phone()
    fields = {"role": "worker", "name": "周芳", "id_number": make_id_number(), "phone": phone}
    form_post(client, "/register", {**fields, "action": "send"})
    done = form_post(client, "/register", {**fields, "action": "register", "code": last_code(phone)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/workers/enterprises")


def test_an_unfinished_worker_is_shown_the_step_at_hand_not_a_bare_status(client, db_session):
    worker = make_worker("吴敏", step=RegistrationStep.IDENTITY)
    log_in(client, worker)
    page = client.get("/workers/certificate", headers={"Accept-Language": "zh-CN"})
    text = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "<h1>409</h1>" not in text and "暂时无法办理" in text
    assert 'data-testid="next-step-link"' in text and 'href="/workers/identity"' in text


def test_a_forbidden_page_offers_the_personal_center(client, db_session):
    household = make_worker("郑家", step=RegistrationStep.COMPLETE)  # a worker opening the operators' tools
    log_in(client, household)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "无权" in page or "不可用" in page
    assert 'href="/me"' in page


def test_a_logged_out_visitor_is_offered_the_login(client, db_session):
    page = client.get("/api/v1/me", headers={"Accept": "text/html"})
    assert page.status_code == 401


def test_care_mode_enlarges_the_text_and_is_remembered(client):
    assert 'class="care"' not in client.get("/").get_data(as_text=True)
    assert 'class="care"' in client.get("/?care=1").get_data(as_text=True)
    page = client.get("/news").get_data(as_text=True)
    assert 'class="care"' in page and "标准字号" in page  # remembered; the footer offers the way back
    assert 'class="care"' not in client.get("/news?care=0").get_data(as_text=True)
