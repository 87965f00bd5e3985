"""Fixtures for certificate tests."""
from __future__ import annotations

import contextlib

import pytest

from registry.core import signing
from registry.core.extensions import db
from tests.factories.workers import make_worker
from workers.certificates import hotpath
from workers.certificates import services as certificates
from workers.models import RegistrationStep
from workers.services import ensure_worker


@pytest.fixture
def worker_account(db_session):
    """A worker whose registration is complete (identity and consent done), with the worker record."""
    account = make_worker("周雨桐", step=RegistrationStep.COMPLETE)
    return account, ensure_worker(account)


@pytest.fixture
def own_certificate_keys(app, tmp_path, monkeypatch):
    """A certificate key ring of the test's own, starting empty.

    The session's ring lives in the shared instance folder and is never rolled
    back: a key another test made while its clock was moved forward (log_in
    moves it a minute per call) would stay "newest" and make rotation look
    ineffective.
    """
    rings = app.extensions.setdefault(signing._RINGS_KEY, {})
    monkeypatch.setitem(rings, certificates.KEY_PURPOSE, signing.KeyRing(tmp_path / "certificate-keys"))


@pytest.fixture(autouse=True)
def scans_in_test_transaction(monkeypatch, db_session):
    """The scan fast path reads on a connection of its own; here, the test's rolled-back one.

    (Otherwise it would not see what the test wrote, and every scan would fall back to the Flask view.)
    """
    if db_session is not None:
        monkeypatch.setattr(hotpath, "scan_connection", lambda: contextlib.nullcontext(db.session.connection()))
