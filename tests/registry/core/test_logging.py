"""Sensitive personal data never reaches the logs."""
from __future__ import annotations

import logging

from tests.factories.accounts import last_code, make_id_number, make_phone
from tests.factories.http import api_post


def test_registration_and_login_log_no_phone_or_id_number(client, db_session, caplog):
    caplog.set_level(logging.DEBUG)
    phone, number = make_phone(), make_id_number(sequence=9)
    api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "register"})
    api_post(client, "/api/v1/accounts", {"role": "worker", "name": "孙丽", "phone": phone, "id_number": number,
                                          "code": last_code(phone)})
    api_post(client, "/api/v1/accounts", {"role": "worker", "name": "孙丽", "phone": phone,
                                          "id_number": number[:-1] + "0", "code": "000000"})
    text = caplog.text
    code = last_code(phone)
    assert code not in text and "验证码" not in text  # the message text (with its code) is never logged
    assert "sms outbox message to" in text  # the outbox does log each message...
    assert phone[:3] + "****" + phone[-4:] in text  # ...with the number masked
    assert phone not in text and number not in text
