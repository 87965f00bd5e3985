"""Fixtures of the identity tests: a worker who has chosen an enterprise, and their worker record."""
from __future__ import annotations

import pytest

from tests.factories.enterprises import make_enterprise
from tests.factories.workers import make_worker
from workers.services import ensure_worker


@pytest.fixture
def worker_account():
    return make_worker(enterprises=[make_enterprise()])


@pytest.fixture
def worker(worker_account):
    return ensure_worker(worker_account)
