"""SMS codes: format, lifetime, tries, single use, hashing and send limits."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registry.accounts import codes
from registry.accounts.models import CodePurpose, SmsCode, SmsMessage
from registry.core import clock
from registry.core.errors import DomainError, RateLimited
from tests.factories.accounts import last_code, make_id_number, make_phone
from tests.factories.http import api_post


def send(phone, purpose=CodePurpose.LOGIN, ip="10.0.0.1"):
    return codes.send_code(phone, purpose, ip)


def test_code_is_six_digits_sent_and_stored_only_hashed(db_session):
    phone = make_phone()
    row = send(phone)
    code = last_code(phone)
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and len(row.code_hash) == 64
    raw = db_session.execute(sa.text("SELECT body, phone FROM sms_message")).all()
    assert all(code.encode() not in bytes(body) and phone.encode() not in bytes(p) for body, p in raw)
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)


def test_code_is_single_use(db_session):
    phone = make_phone()
    send(phone)
    code = last_code(phone)
    codes.verify_code(phone, CodePurpose.LOGIN, code)
    with pytest.raises(DomainError) as info:
        codes.verify_code(phone, CodePurpose.LOGIN, code)
    assert info.value.code == "code_used"


def test_code_expires_after_five_minutes(db_session, move_clock):
    phone = make_phone()
    send(phone)
    code = last_code(phone)
    move_clock(dt.timedelta(minutes=5, seconds=1))
    with pytest.raises(DomainError) as info:
        codes.verify_code(phone, CodePurpose.LOGIN, code)
    assert info.value.code == "code_expired"


def test_code_only_works_for_its_purpose(db_session):
    phone = make_phone()
    send(phone, CodePurpose.REGISTER)
    with pytest.raises(DomainError) as info:
        codes.verify_code(phone, CodePurpose.LOGIN, last_code(phone))
    assert info.value.code == "code_missing"


def test_five_wrong_tries_kill_the_code(db_session):
    phone = make_phone()
    send(phone)
    right = last_code(phone)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(codes.CodeRejected) as info:
            codes.verify_code(phone, CodePurpose.LOGIN, wrong)
        assert (str(left) in info.value.message) if left else True
    with pytest.raises(RateLimited) as info:
        codes.verify_code(phone, CodePurpose.LOGIN, right)
    assert info.value.code == "code_exhausted" and info.value.status == 429 and info.value.retry_after >= 1


def test_resend_waits_sixty_seconds(db_session, move_clock):
    phone = make_phone()
    send(phone)
    move_clock(dt.timedelta(seconds=20))
    with pytest.raises(RateLimited) as info:
        send(phone)
    assert info.value.retry_after == 40
    move_clock(dt.timedelta(seconds=41))
    send(phone)


def test_at_most_ten_codes_per_phone_per_china_day(db_session, move_clock):
    # Start at 09:00 China time, so the ten sends (ten minutes) never straddle midnight, whenever the test runs.
    now = clock.now().astimezone(clock.CHINA_TZ)
    move_clock(now.replace(hour=9, minute=0) + dt.timedelta(days=1) - now)
    phone = make_phone()
    for _ in range(10):
        send(phone)
        move_clock(dt.timedelta(seconds=61))
    with pytest.raises(RateLimited) as info:
        send(phone)
    assert 0 < info.value.retry_after <= 24 * 3600
    move_clock(dt.timedelta(seconds=info.value.retry_after + 1))
    send(phone)


def test_hourly_cap_per_client_address(app, db_session, move_clock):
    cap = app.config["SMS_HOURLY_LIMIT_PER_IP"]
    for _ in range(cap):
        send(make_phone(), ip="192.0.2.7")
    with pytest.raises(RateLimited):
        send(make_phone(), ip="192.0.2.7")
    send(make_phone(), ip="192.0.2.8")
    move_clock(dt.timedelta(hours=1, seconds=1))
    send(make_phone(), ip="192.0.2.7")


def test_api_answers_429_with_retry_after_and_keeps_nothing_new(client, db_session):
    phone = make_phone()
    assert api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "register"}).status_code == 202
    response = api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "register"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.get_json()["code"] == "rate_limited"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)) == 1


def test_wrong_code_over_api_is_counted_even_though_the_call_fails(client, db_session):
    phone = make_phone()
    api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "register"})
    body = {"role": "consumer", "name": "张三", "id_number": make_id_number(), "phone": phone,
            "code": "000000" if last_code(phone) != "000000" else "111111"}
    response = api_post(client, "/api/v1/accounts", body)
    assert response.status_code == 400 and response.get_json()["code"] == "code_rejected"
    db_session.expire_all()
    assert db_session.scalar(sa.select(SmsCode.attempts)) == 1
