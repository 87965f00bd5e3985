"""The demo operator and the demo household for `flask demo seed`, and the way every domain makes its demo people.

The demo accounts have fixed phone numbers, 13800000000 to 13800000005
(README.md lists them): each logs in with an SMS code read from /dev/outbox.
Their ID numbers are valid in form but invented (born on the 1st of a month in
1980-1989, sequence 9xx), and their names say 演示 (demo).
"""
from __future__ import annotations

from flask_babel import gettext as _

from registry.accounts import services
from registry.accounts.models import Account, Role
from registry.audit import services as audit
from registry.core.crypto import lookup_hash
from registry.core.extensions import db
from registry.core.idnumbers import id_check_char
from registry.web.demo import DemoAccount

DEMO_ADMIN_PHONE = "13800000000"
DEMO_HOUSEHOLD_PHONE = "13800000004"
DEMO_HOUSEHOLD_NAME = "陈演示"


def demo_id_number(year: int, sequence: int) -> str:
    """A resident ID number valid in form (Chaoyang, Beijing; born 1 March of `year`), sequence 900 + n."""
    first17 = f"110105{year:04d}0301{900 + sequence:03d}"
    return first17 + id_check_char(first17)


def ensure_person(role: Role, name: str, phone: str, id_number: str) -> tuple[Account, bool]:
    """The demo worker or household using `phone`, created on first call as registration would leave it
    (without the SMS code); returns it and whether it was created now."""
    account = services.find_by_phone(phone)
    if account is not None:
        return account, False
    services.check_registration(role, id_number, phone)
    account = Account(role=role.value, name=name, id_number=id_number,
                      id_number_hash=lookup_hash(id_number, "id-number"),
                      phone=phone, phone_hash=lookup_hash(phone, "phone"))
    db.session.add(account)
    db.session.flush()
    audit.record("account.registered", subject_id=account.id, role=role.value, demo=True)
    return account, True


def seed_demo_operator(_app) -> str:
    """Create the demo operator once; returns the line to print."""
    if services.find_by_phone(DEMO_ADMIN_PHONE) is None:
        services.create_privileged(Role.ADMIN, "演示管理员", DEMO_ADMIN_PHONE)
        return f"demo operator: log in with {DEMO_ADMIN_PHONE}; codes appear at /dev/outbox"
    return f"demo operator: {DEMO_ADMIN_PHONE} (already there)"


def seed_demo_household(_app) -> str:
    """Create the demo household (a consumer account, ready to scan a certificate) once."""
    _account, created = ensure_person(Role.CONSUMER, DEMO_HOUSEHOLD_NAME, DEMO_HOUSEHOLD_PHONE,
                                      demo_id_number(1988, 4))
    return f"demo household: {DEMO_HOUSEHOLD_PHONE}" + ("" if created else " (already there)")


def demo_accounts(_app) -> list[DemoAccount]:
    return [
        DemoAccount(DEMO_ADMIN_PHONE, lambda: _("Operator"), lambda: _("Every operator page: imports, reviews, "
                                                                       "disputes, jobs, keys")),
        DemoAccount(DEMO_HOUSEHOLD_PHONE, lambda: _("Household"),
                    lambda: _("Registered; scans a worker's certificate and asks to see the credit information")),
    ]
