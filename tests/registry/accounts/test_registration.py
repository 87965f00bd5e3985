"""Registering through the API and the page; every bad input refused, nothing changed."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from registry.accounts.models import Account, Role, SmsMessage
from registry.accounts.services import create_privileged
from registry.core import clock, effects
from registry.core.crypto import lookup_hash
from registry.core.errors import DomainError
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
    ("name", "", "请输入与身份证一致的姓名"),
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
    assert done.status_code == 302 and done.headers["Location"].endswith("/workers/enterprises")  # the next step
    center = client.get("/me").get_data(as_text=True)
    assert phone[:3] + "****" + phone[-4:] in center and phone not in center


def test_register_page_shows_field_messages(client, db_session):
    response = form_post(client, "/register", {"action": "send", "role": "consumer", "name": "周芳",
                                               "id_number": "110105194912310021", "phone": "123"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "身份证号校验位错误" in text and "11位大陆手机号" in text
    assert db_session.scalar(sa.text("SELECT count(*) FROM sms_code")) == 0


@pytest.mark.parametrize("typed, kept", [
    ("阿卜杜·热合曼", "阿卜杜·热合曼"),           # U+00B7, as the ID card prints it
    ("阿卜杜\u30fb热合曼", "阿卜杜·热合曼"),      # katakana middle dot: kept as U+00B7
    ("阿卜杜\uff0e热合曼", "阿卜杜·热合曼"),      # full-width full stop
    ("阿卜杜\u2022热合曼", "阿卜杜·热合曼"),      # bullet, from phone keyboards
    ("王 芳", "王芳"),                            # a space between Chinese characters is a slip
    ("𠮷野", "𠮷野"),                              # a character outside the basic block
    ("  Maria  José Ortega-Díaz ", "Maria José Ortega-Díaz"),
    ("Sean O\u2019Neil", "Sean O'Neil"),
    ("ｊｏｈｎ\u3000ｓｍｉｔｈ", "john smith"),  # typed in a Chinese input method's full-width mode
])
def test_names_as_on_id_cards_are_accepted(client, db_session, typed, kept):
    response = register_api(client, name=typed)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == kept


@pytest.mark.parametrize("typed, named", [
    ("<b>王</b>", "< > /"),
    ("王5", "5"),
    ("王@明", "@"),
    ("王\u200b明", "U+200B"),
])
def test_names_with_markup_digits_or_symbols_are_refused_naming_them(client, db_session, typed, named):
    client.get("/?lang=en")
    response = api_post(client, "/api/v1/accounts", {"role": "consumer", "name": typed, "phone": make_phone(),
                                                     "id_number": make_id_number(), "code": "123456"})
    assert response.status_code == 422
    message = " ".join(response.get_json()["fields"]["name"])
    assert f"cannot contain {named}" in message or f"digits ({named})" in message, message
    assert account_count(db_session) == 0


@pytest.mark.parametrize("typed, fragment", [
    ("王", "2 to 20"), ("王" * 21, "2 to 20"), ("王John", "not both"), ("·王芳", "between two parts"),
    ("王··芳", "between two parts"), ("A", "2 to 64"), ("-Ann", "between two letters"),
])
def test_names_of_the_wrong_shape_are_refused(client, db_session, typed, fragment):
    client.get("/?lang=en")
    response = api_post(client, "/api/v1/accounts", {"role": "consumer", "name": typed, "phone": make_phone(),
                                                     "id_number": make_id_number(), "code": "123456"})
    assert response.status_code == 422 and fragment in " ".join(response.get_json()["fields"]["name"])


def test_register_page_refuses_a_bad_name_and_sends_no_code(client, db_session):
    client.get("/?lang=en")
    page = form_post(client, "/register", {"action": "send", "role": "consumer", "name": "<b>王</b>",
                                           "id_number": make_id_number(), "phone": make_phone()})
    assert page.status_code == 422 and "A name cannot contain &lt; &gt; /" in page.get_data(as_text=True)
    assert db_session.scalar(sa.text("SELECT count(*) FROM sms_code")) == 0


def test_operator_accounts_take_the_same_name_rule(db_session):
    assert create_privileged(Role.ADMIN, "热依拉\u30fb买买提", make_phone()).name == "热依拉·买买提"
    with pytest.raises(DomainError) as refused:
        create_privileged(Role.ADMIN, "admin1", make_phone())
    assert refused.value.code == "invalid_name" and "name" in refused.value.fields


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def test_a_worker_younger_than_the_minimum_age_is_refused(client, db_session):
    today = clock.china_today()
    # Sixteen years ago today: 16 only from tomorrow (an age is reached the day after the birthday).
    young = make_id_number(_years_before(today, 16).strftime("%Y%m%d"), sequence=21)
    client.get("/?lang=en")
    response = register_api(client, id_number=young, role="worker")
    assert response.status_code == 422 and response.get_json()["code"] == "under_minimum_age"
    assert "at least 16 years old" in " ".join(response.get_json()["fields"]["id_number"])
    # The page refuses before any code is sent.
    page = form_post(client, "/register", {"action": "send", "role": "worker", "name": "周芳", "id_number": young,
                                           "phone": make_phone()})
    assert page.status_code == 422 and "at least 16 years old" in page.get_data(as_text=True)
    assert db_session.scalar(sa.text("SELECT count(*) FROM sms_code WHERE purpose = 'register'")) == 1
    # Households have no age rule; a worker of sixteen and a day may register.
    assert register_api(client, id_number=young, role="consumer").status_code == 201
    old_enough = make_id_number((_years_before(today, 16) - dt.timedelta(days=1)).strftime("%Y%m%d"), sequence=22)
    assert register_api(app_client(client), id_number=old_enough, role="worker").status_code == 201
    assert account_count(db_session) == 2


def test_the_minimum_age_is_configurable(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "WORKER_MIN_AGE", 18)
    seventeen = make_id_number(_years_before(clock.china_today(), 17).strftime("%Y%m%d"), sequence=23)
    response = register_api(client, id_number=seventeen, role="worker")
    assert response.status_code == 422 and "id_number" in response.get_json()["fields"]


def app_client(client):
    """A fresh client of the same app (a new visitor, not logged in)."""
    return client.application.test_client()
