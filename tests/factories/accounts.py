"""Accounts: resident ID numbers, phones, accounts, and the SMS codes sent to them."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from registry.accounts import services
from registry.accounts.models import Account, Role, SmsMessage
from registry.core import clock, effects
from registry.core.crypto import lookup_hash
from registry.core.extensions import db
from registry.core.idnumbers import id_check_char


def make_id_number(birth: str = "19900307", region: str = "110105", sequence: int = 1) -> str:
    """A valid resident ID number for a birth date (YYYYMMDD) and sequence."""
    first17 = f"{region}{birth}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


_phone_counter = iter(range(10_000_000))


def make_phone() -> str:
    """A fresh, valid mainland mobile number."""
    return f"139{next(_phone_counter) + 10_000_000:08d}"


def make_account(role: str = "consumer", name: str = "王小明", id_number: str | None = None,
                 phone: str | None = None):
    """An account created through the services, as registration would."""
    phone = phone or make_phone()
    if role in ("admin", "enterprise_staff"):
        return services.create_privileged(Role(role), name, phone)
    id_number = id_number or make_id_number(sequence=int(phone[-3:]))
    account = Account(role=role, name=name, id_number=id_number, id_number_hash=lookup_hash(id_number, "id-number"),
                      phone=phone, phone_hash=lookup_hash(phone, "phone"))
    db.session.add(account)
    db.session.flush()
    return account


def last_code(phone: str) -> str:
    """The code in the newest outbox message to phone.

    Messages go out after the commit (a job); a test calling a service
    directly commits here, as its request would.
    """
    effects.commit()
    message = db.session.scalars(
        sa.select(SmsMessage).where(SmsMessage.phone_hash == lookup_hash(phone, "phone"))
        .order_by(SmsMessage.id.desc()).limit(1)).first()
    assert message is not None, "no SMS was sent to this phone"
    return re.search(r"\d{6}", message.body).group(0)


def wait_for_resend() -> None:
    """Move the clock past the per-phone resend interval (60 s)."""
    clock.set_offset(clock.get_offset() + dt.timedelta(seconds=61))
