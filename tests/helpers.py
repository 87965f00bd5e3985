"""Helpers shared by the test modules: factories, SMS codes, CSRF-aware calls."""
from __future__ import annotations

import re

import sqlalchemy as sa

from registry.core.extensions import db


def make_id_number(birth: str = "19900307", region: str = "110105", sequence: int = 1) -> str:
    """A valid resident ID number for a birth date (YYYYMMDD) and sequence."""
    from registry.core.idnumbers import id_check_char

    first17 = f"{region}{birth}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


_phone_counter = iter(range(10_000_000))


def make_phone() -> str:
    """A fresh, valid mainland mobile number."""
    return f"139{next(_phone_counter) + 10_000_000:08d}"


def last_code(phone: str) -> str:
    """The code in the newest outbox message to phone."""
    from registry.accounts.models import SmsMessage
    from registry.core.crypto import lookup_hash

    message = db.session.scalars(
        sa.select(SmsMessage).where(SmsMessage.phone_hash == lookup_hash(phone, "phone"))
        .order_by(SmsMessage.id.desc()).limit(1)).first()
    assert message is not None, "no SMS was sent to this phone"
    return re.search(r"\d{6}", message.body).group(0)


def csrf_token(client) -> str:
    """A CSRF token valid for the client's session."""
    return client.get("/api/v1/session/csrf").get_json()["csrf_token"]


def api_post(client, url: str, json: dict | None = None, method: str = "post"):
    """A JSON call with the session's CSRF token."""
    return getattr(client, method)(url, json=json, headers={"X-CSRFToken": csrf_token(client)})


def form_post(client, url: str, data: dict, **kwargs):
    """A form post with the session's CSRF token."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


def make_account(role: str = "consumer", name: str = "王小明", id_number: str | None = None,
                 phone: str | None = None):
    """An account created through the services, as registration would."""
    from registry.accounts import services
    from registry.accounts.models import Account, Role

    phone = phone or make_phone()
    if role in ("admin", "enterprise_staff"):
        return services.create_privileged(Role(role), name, phone)
    from registry.core.crypto import lookup_hash

    id_number = id_number or make_id_number(sequence=int(phone[-3:]))
    account = Account(role=role, name=name, id_number=id_number, id_number_hash=lookup_hash(id_number, "id-number"),
                      phone=phone, phone_hash=lookup_hash(phone, "phone"))
    db.session.add(account)
    db.session.flush()
    return account


def wait_for_resend() -> None:
    """Move the clock past the per-phone resend interval (60 s)."""
    import datetime as dt

    from registry.core import clock

    clock.set_offset(clock.get_offset() + dt.timedelta(seconds=61))


def log_in(client, account) -> None:
    """Log a client in as account through the real SMS-code login.

    The clock moves a minute on, so the test may ask for the next code at once.
    """
    wait_for_resend()
    response = api_post(client, "/api/v1/sms/codes", {"phone": account.phone, "purpose": "login"})
    assert response.status_code == 202, response.get_json()
    response = api_post(client, "/api/v1/session", {"phone": account.phone, "code": last_code(account.phone)})
    assert response.status_code == 200, response.get_json()
    wait_for_resend()


def passed_face_check(account, purpose: str):
    """A recorded passed face decision, as the face service leaves after a real check.

    Domain tests use it to exercise their own rules; the face service's tests
    run the real engine on real photos.
    """
    from registry.face.models import FaceCheck

    check = FaceCheck(account_id=account.id, purpose=purpose, actions="blink", passed=True, provider="embedded",
                      engine="test-recorded", frame_count=10, scores={}, thresholds={})
    db.session.add(check)
    db.session.flush()
    return check
