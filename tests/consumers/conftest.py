"""Fixtures for scan and view tests."""
from __future__ import annotations

import pytest

from tests.factories.accounts import make_account
from tests.factories.workers import make_worker
from workers.models import RegistrationStep
from workers.services import ensure_worker


@pytest.fixture
def worker_account(db_session):
    """A worker whose registration is complete (identity and consent done), with the worker record."""
    account = make_worker("周雨桐", step=RegistrationStep.COMPLETE)
    return account, ensure_worker(account)


@pytest.fixture
def household(db_session):
    return make_account(role="consumer", name="郑家")
