"""Registering through the API and the page; every bad input refused, nothing changed."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from registry.accounts.models import Account, SmsMessage
from registry.core import effects
from registry.core.crypto import lookup_hash
from tests.factories.accounts import last_code, make_account, make_id_number, make_phone
from tests.factories.http import api_post, csrf_token, form_post


def account_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Account))


def register_api(client, phone=None, id_number=None, role="consumer", name="刘洋"):
    phone = phone or make_phone()
    assert api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "register"}).status_code == 202
    return api_post(client, "/api/v1/accounts", {"role": role, "name": name, "phone": phone,
                                                 "id_number": id_number or make_id_number(sequence=5),
                                                 "code": last_code(phone)})


def test_register_stores_encrypted_fields_found_by_hash(client, db_session):
    phone, number = make_phone(), make_id_number("19880101", sequence=12)
    response = register_api(client, phone=phone, id_number=number, role="worker")
    assert response.status_code == 201
    body = response.get_json()
    assert body["role"] == "worker" and body["id_number"] == number[:6] + "********" + number[-4:]
    row = db_session.execute(sa.text("SELECT id_number, phone, phone_hash FROM account")).one()
    assert number.encode() not in bytes(row.id_number) and phone.encode() not in bytes(row.phone)
    assert row.phone_hash == lookup_hash(phone, "phone")
    assert client.get("/api/v1/me").get_json()["name"] == "刘洋"


@pytest.mark.parametrize("field, value, fragment", [
    ("id_number", "110105194912310021", "校验位错误"),
    ("id_number", "11010519490230002X", "不是有效日期"),
    ("id_number", "990105194912310021", "地区码无效"),
    ("phone", "12345678901", "大陆手机号"),
    ("phone", "+852 9123 4567", "大陆手机号"),
    ("name", "", "长度"),
    ("role", "admin", "允许的值"),
    ("code", "12a456", "6位验证码"),
])
def test_bad_fields_are_named_and_change_nothing(client, db_session, field, value, fragment):
    body = {"role": "consumer", "name": "刘洋", "phone": make_phone(), "id_number": make_id_number(),
            "code": "123456", field: value}
    response = api_post(client, "/api/v1/accounts", body, )
    assert response.status_code == 422
    data = response.get_json()
    assert data["code"] == "validation_error" and field in data["fields"]
    assert fragment in " ".join(data["fields"][field])
    assert account_count(db_session) == 0


def test_unknown_fields_wrong_types_and_bodies(client, db_session):
    token = csrf_token(client)
    headers = {"X-CSRFToken": token}
    unknown = client.post("/api/v1/sms/codes", json={"phone": make_phone(), "purpose": "login", "extra": 1},
                          headers=headers)
    assert unknown.status_code == 422 and "extra" in unknown.get_json()["fields"]
    form = client.post("/api/v1/sms/codes", data={"phone": "13800000000"}, headers=headers)
    assert form.status_code == 415 and form.get_json()["code"] == "unsupported_media_type"
    broken = client.post("/api/v1/sms/codes", data="{not json", content_type="application/json", headers=headers)
    assert broken.status_code == 400 and broken.get_json()["code"] == "invalid_json"
    array = client.post("/api/v1/sms/codes", json=[1, 2], headers=headers)
    assert array.status_code == 422
    huge = client.post("/api/v1/sms/codes", data=b"x" * (13 * 1024 * 1024), content_type="application/json",
                       headers=headers)
    assert huge.status_code == 413 and huge.get_json()["code"] == "payload_too_large"


def test_missing_csrf_token_is_refused(client, db_session):
    response = client.post("/api/v1/sms/codes", json={"phone": make_phone(), "purpose": "register"})
    assert response.status_code == 400 and response.get_json()["code"] == "csrf_failed"
    page = client.post("/register", data={"action": "send", "phone": make_phone()})
    assert page.status_code == 400 and "安全令牌" in page.get_data(as_text=True)
    assert db_session.scalar(sa.text("SELECT count(*) FROM sms_code")) == 0


def test_one_account_per_phone_and_per_id_number_and_role(client, app, db_session):
    number = make_id_number(sequence=77)
    existing = make_account(role="consumer", id_number=number)
    other = app.test_client()
    taken_phone = api_post(other, "/api/v1/sms/codes", {"phone": existing.phone, "purpose": "register"})
    assert taken_phone.status_code == 202  # the same answer as for a free phone: nobody learns it is taken
    effects.commit()
    told = db_session.scalars(sa.select(SmsMessage).where(SmsMessage.phone_hash == existing.phone_hash)).one()
    assert "已注册" in told.body and not re.search(r"\d{6}", told.body)  # its owner is told to log in; no code
    response = api_post(other, "/api/v1/accounts", {"role": "worker", "name": "李雷", "phone": existing.phone,
                                                    "id_number": make_id_number(sequence=78), "code": "123456"})
    assert response.status_code == 400 and response.get_json()["code"] == "code_rejected"
    same_id = register_api(app.test_client(), id_number=number, role="consumer")
    assert same_id.status_code == 409 and same_id.get_json()["code"] == "id_number_taken"
    as_worker = register_api(app.test_client(), id_number=number, role="worker")
    assert as_worker.status_code == 201


def test_register_page_two_steps(client, db_session):
    phone = make_phone()
    fields = {"role": "worker", "name": "周芳", "id_number": make_id_number(sequence=3), "phone": phone}
    sent = form_post(client, "/register", {**fields, "action": "send"})
    assert sent.status_code == 200 and "验证码已发送" in sent.get_data(as_text=True)
    done = form_post(client, "/register", {**fields, "action": "register", "code": last_code(phone)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/me")
    center = client.get("/me").get_data(as_text=True)
    assert phone[:3] + "****" + phone[-4:] in center and phone not in center


def test_register_page_shows_field_messages(client, db_session):
    response = form_post(client, "/register", {"action": "send", "role": "consumer", "name": "周芳",
                                               "id_number": "110105194912310021", "phone": "123"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "身份证号校验位错误" in text and "11位大陆手机号" in text
    assert db_session.scalar(sa.text("SELECT count(*) FROM sms_code")) == 0
