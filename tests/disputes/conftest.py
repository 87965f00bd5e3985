"""Fixtures for the disputes tests: a worker who disputes and an operator who decides."""
from __future__ import annotations

import pytest

from tests.factories.accounts import make_account
from tests.factories.workers import make_worker


@pytest.fixture
def worker(db_session):
    return make_worker("李阿姨")


@pytest.fixture
def operator(db_session):
    return make_account("admin", name="运营人员")
