"""Login, remember-me, logout everywhere, phone change and the personal center."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.accounts.models import Account, LoginSession, SmsMessage
from registry.accounts.services import load_session_account
from registry.core import clock, effects
from registry.core.crypto import lookup_hash
from tests.factories.accounts import last_code, make_account, make_phone, wait_for_resend
from tests.factories.http import api_post, form_post, log_in


def test_login_by_phone_and_code(client, db_session):
    account = make_account()
    log_in(client, account)
    assert client.get("/api/v1/me").get_json()["id"] == account.id
    assert client.get("/me").status_code == 200


def test_a_login_code_for_an_unknown_phone_is_answered_alike_and_never_sent(client, db_session):
    known, unknown = make_account().phone, make_phone()
    answers = [api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "login"}) for phone in (known, unknown)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].get_json().keys() == answers[1].get_json().keys()
    effects.commit()
    sent = db_session.scalars(sa.select(SmsMessage.phone_hash)).all()
    assert lookup_hash(unknown, "phone") not in sent and lookup_hash(known, "phone") in sent
    wrong = api_post(client, "/api/v1/session", {"phone": unknown, "code": "123456"})
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "code_rejected"  # as for a known phone


def test_pages_need_login_and_api_answers_401(client, db_session):
    assert client.get("/me").status_code == 302
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"


def test_remember_me_sets_a_cookie_that_survives_the_session(client, db_session):
    account = make_account()
    api_post(client, "/api/v1/sms/codes", {"phone": account.phone, "purpose": "login"})
    response = api_post(client, "/api/v1/session", {"phone": account.phone, "code": last_code(account.phone),
                                                    "remember": True})
    assert response.status_code == 200
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    assert client.get("/api/v1/me").status_code == 200


def test_logout_ends_the_session(client, db_session):
    log_in(client, make_account())
    assert api_post(client, "/api/v1/session", method="delete").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def change_phone_via_api(client, account, new_phone):
    assert api_post(client, "/api/v1/me/phone/old-code").status_code == 202
    verify = api_post(client, "/api/v1/me/phone/old-code/verify", {"code": last_code(account.phone)})
    assert verify.status_code == 204
    assert api_post(client, "/api/v1/me/phone/new-code", {"phone": new_phone}).status_code == 202
    return api_post(client, "/api/v1/me/phone", {"phone": new_phone, "code": last_code(new_phone)})


def test_phone_change_logs_out_every_other_session(app, client, db_session):
    account = make_account()
    other_device = app.test_client()
    log_in(client, account)
    log_in(other_device, account)
    new_phone = make_phone()
    response = change_phone_via_api(client, account, new_phone)
    assert response.status_code == 200
    assert response.get_json()["phone"] == new_phone[:3] + "****" + new_phone[-4:]
    assert client.get("/api/v1/me").status_code == 200
    assert other_device.get("/api/v1/me").status_code == 401
    db_session.expire_all()
    assert db_session.get(Account, account.id).phone == new_phone


def test_phone_change_needs_the_old_number_first(client, db_session):
    account = make_account()
    log_in(client, account)
    response = api_post(client, "/api/v1/me/phone/new-code", {"phone": make_phone()})
    assert response.status_code == 409 and response.get_json()["code"] == "old_phone_not_confirmed"


def test_phone_change_to_a_taken_number_is_refused(client, db_session):
    account, other = make_account(), make_account(name="陈晨")
    log_in(client, account)
    api_post(client, "/api/v1/me/phone/old-code")
    api_post(client, "/api/v1/me/phone/old-code/verify", {"code": last_code(account.phone)})
    response = api_post(client, "/api/v1/me/phone/new-code", {"phone": other.phone})
    assert response.status_code == 409 and response.get_json()["code"] == "phone_taken"


def test_phone_change_pages(client, db_session):
    account = make_account()
    log_in(client, account)
    assert form_post(client, "/me/phone", {"action": "send_old"}).status_code == 200
    step_two = form_post(client, "/me/phone", {"action": "verify_old", "code": last_code(account.phone)})
    assert "第2步" in step_two.get_data(as_text=True)
    new_phone = make_phone()
    assert form_post(client, "/me/phone", {"action": "send_new", "phone": new_phone}).status_code == 200
    done = form_post(client, "/me/phone", {"action": "confirm", "phone": new_phone, "code": last_code(new_phone)})
    assert done.status_code == 302
    assert new_phone[-4:] in client.get("/me").get_data(as_text=True)


def test_logout_everywhere(app, client, db_session):
    account = make_account()
    other = app.test_client()
    log_in(client, account)
    log_in(other, account)
    assert form_post(client, "/me/logout-everywhere", {}).status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/me").status_code == 401


def test_personal_center_masks_sensitive_data(client, db_session):
    account = make_account(role="worker")
    log_in(client, account)
    page = client.get("/me").get_data(as_text=True)
    assert account.id_number not in page and account.phone not in page
    assert account.id_number[:6] + "********" + account.id_number[-4:] in page
    assert "家政服务员" in page


def test_open_redirects_are_not_followed(client, db_session):
    account = make_account()
    api_post(client, "/api/v1/sms/codes", {"phone": account.phone, "purpose": "login"})
    response = form_post(client, "/login?next=https://evil.example/", {"action": "login", "phone": account.phone,
                                                                       "code": last_code(account.phone)})
    assert response.status_code == 302 and response.headers["Location"] == "/me"


def test_a_session_ended_server_side_answers_401(client, db_session):
    account = make_account()
    log_in(client, account)
    db_session.execute(sa.update(LoginSession).where(LoginSession.account_id == account.id)
                       .values(ended_at=clock.now()))
    assert client.get("/api/v1/me").status_code == 401


def test_a_replayed_cookie_after_logout_answers_401(app, client, db_session):
    account = make_account()
    wait_for_resend()
    api_post(client, "/api/v1/sms/codes", {"phone": account.phone, "purpose": "login"})
    assert api_post(client, "/api/v1/session", {"phone": account.phone, "code": last_code(account.phone),
                                                "remember": True}).status_code == 200
    session_cookie, remember_cookie = client.get_cookie("session").value, client.get_cookie("remember_token").value
    assert api_post(client, "/api/v1/session", method="delete").status_code == 204
    for cookies in ({"session": session_cookie}, {"remember_token": remember_cookie},
                    {"session": session_cookie, "remember_token": remember_cookie}):
        replay = app.test_client()
        for name, value in cookies.items():
            replay.set_cookie(name, value)
        assert replay.get("/api/v1/me").status_code == 401, cookies
    # The page logout ends it the same way.
    log_in(client, account)
    cookie = client.get_cookie("session").value
    assert form_post(client, "/logout", {}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/api/v1/me").status_code == 401


def test_every_login_gets_a_new_session_and_other_sessions_stay(app, client, db_session):
    account = make_account()
    other = app.test_client()
    log_in(client, account)
    log_in(other, account)
    rows = db_session.scalars(sa.select(LoginSession).where(LoginSession.account_id == account.id)).all()
    assert len(rows) == 2 and len({row.token_hash for row in rows}) == 2
    assert api_post(client, "/api/v1/session", method="delete").status_code == 204
    assert client.get("/api/v1/me").status_code == 401 and other.get("/api/v1/me").status_code == 200
    raw = db_session.execute(sa.text("SELECT token_hash FROM login_session")).scalars().all()
    assert all(len(value) == 64 for value in raw)  # only keyed hashes are stored


def test_sessions_expire_and_forged_ids_are_refused(client, db_session, move_clock):
    account = make_account()
    log_in(client, account)
    move_clock(dt.timedelta(hours=12, minutes=1))
    assert client.get("/api/v1/me").status_code == 401
    for forged in ("1:1", "s:", "s:" + "A" * 43, "x" * 500, ""):
        assert load_session_account(forged) is None


def test_phone_change_step_two_does_not_offer_the_old_code(client, db_session):
    account = make_account()
    log_in(client, account)
    form_post(client, "/me/phone", {"action": "send_old"})
    old_code = last_code(account.phone)
    step_two = form_post(client, "/me/phone", {"action": "verify_old", "code": old_code}).get_data(as_text=True)
    assert 'data-testid="new-phone-form"' in step_two
    assert old_code not in step_two and 'name="code" value=""' in step_two
