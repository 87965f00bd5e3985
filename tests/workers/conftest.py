"""Fixtures of the workers tests: an enterprise, a worker who chose it, a settable clock."""
from __future__ import annotations

import datetime as dt

import pytest

from registry.core import clock
from tests.factories.enterprises import make_enterprise
from tests.factories.workers import make_worker


@pytest.fixture
def enterprise():
    return make_enterprise()


@pytest.fixture
def worker_account(enterprise):
    """A worker who has chosen `enterprise` (pending)."""
    return make_worker(enterprises=[enterprise])


@pytest.fixture
def set_clock():
    """Put the app's clock at an aware moment."""
    def set_to(moment: dt.datetime) -> None:
        clock.set_offset(moment - dt.datetime.now(dt.UTC))

    return set_to
