"""The demo operator account for `flask demo seed`."""
from __future__ import annotations

from registry.accounts import services
from registry.accounts.models import Role

DEMO_ADMIN_PHONE = "13800000000"


def seed_demo_operator(_app) -> str:
    """Create the demo operator once; returns the line to print."""
    if services.find_by_phone(DEMO_ADMIN_PHONE) is None:
        services.create_privileged(Role.ADMIN, "演示管理员", DEMO_ADMIN_PHONE)
        return f"demo operator: log in with {DEMO_ADMIN_PHONE}; codes appear at /dev/outbox"
    return f"demo operator: {DEMO_ADMIN_PHONE} (already there)"
