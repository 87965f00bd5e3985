"""Test set-up: one app per session on a migrated database, one rolled-back
transaction per test.

REGISTRY_TEST_DATABASE_URL points the suite at PostgreSQL; otherwise a SQLite
file in a temporary folder is used.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re

import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from registry.core import clock
from registry.core.extensions import db
from registry.web import caching
from tests.factories.app import make_app, reset_database

# Every log record of the whole run is checked for an SMS code; a leak fails the run.
_CODE_IN_TEXT = re.compile(r"(验证码是|Your code is)\s*\d{6}")
_code_leaks: list[str] = []


class _CodeLeakWatch(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record is not our concern here
            return
        if _CODE_IN_TEXT.search(text):
            _code_leaks.append(f"{record.name}: {text[:200]}")


logging.getLogger().addHandler(_CodeLeakWatch(level=logging.DEBUG))


def pytest_sessionfinish(session, exitstatus):
    if _code_leaks:
        print("\nSMS codes were written to the log:\n  " + "\n  ".join(_code_leaks[:20]))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("REGISTRY_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context.

    Flask reuses an already pushed app context for a request; the tests keep
    one open, and without this `g` (the logged-in user, the request's
    transaction flags, the chosen language) would leak from one request to
    the next as it never does in production.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The app under test, on a database built by the real migrations."""
    instance = str(tmp_path_factory.mktemp("instance"))
    reset_database(database_url)
    application = make_app(database_url, instance)
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Run each test inside a transaction that is rolled back afterwards.

    Commits made by request handling become savepoint releases, so views
    behave exactly as in production while nothing survives the test.
    """
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("own_app"):
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own Session ignores `bind` and
        # would open fresh connections that really commit.
        factory = orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        db.session = orm.scoped_session(factory, scopefunc=_app_ctx_id)
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def reset_clock():
    """Every test starts with the real clock."""
    clock.set_offset(dt.timedelta(0))
    yield
    clock.set_offset(dt.timedelta(0))


@pytest.fixture
def move_clock():
    """Move the app's clock forward by a timedelta."""
    def move(delta: dt.timedelta) -> None:
        clock.set_offset(clock.get_offset() + delta)

    return move


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def page_cache(app, monkeypatch):
    """The public page store on (tests/factories/app.py turns it off), empty before and after."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", True)
    monkeypatch.setitem(app.config, "PAGE_CACHE_CHECK_SECONDS", 0)
    app.extensions[caching.EXTENSION].clear()
    yield app.extensions[caching.EXTENSION]
    app.extensions[caching.EXTENSION].clear()
