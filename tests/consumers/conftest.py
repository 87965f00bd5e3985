"""Fixtures for certificate, scan and view tests."""
from __future__ import annotations

import pytest

from registry.core.extensions import db
from tests.helpers import make_account


def complete_worker(name: str = "周雨桐"):
    """A worker account whose registration is complete (identity and consent done)."""
    from workers import services
    from workers.models import RegistrationStep

    account = make_account(role="worker", name=name)
    worker = services.ensure_worker(account)
    worker.registration_step = RegistrationStep.COMPLETE.value
    db.session.flush()
    return account, worker


@pytest.fixture
def worker_account(db_session):
    return complete_worker()


@pytest.fixture
def household(db_session):
    return make_account(role="consumer", name="郑家")
