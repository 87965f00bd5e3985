"""Fixtures for scan and view tests."""
from __future__ import annotations

import pytest

from tests.factories.accounts import make_account
from tests.factories.http import log_in
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


@pytest.fixture
def setup(app, db_session, worker_account, household):
    """The complete worker and the household, each logged in with a client of their own."""
    account, worker = worker_account
    worker_client, household_client = app.test_client(), app.test_client()
    log_in(worker_client, account)
    log_in(household_client, household)
    return account, worker, worker_client, household_client
