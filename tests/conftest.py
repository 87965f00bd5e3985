"""Test set-up: one app per session on a migrated database, one rolled-back
transaction per test.

REGISTRY_TEST_DATABASE_URL points the suite at PostgreSQL; otherwise a SQLite
file in a temporary folder is used.
"""
from __future__ import annotations

import datetime as dt
import os


import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from registry import MIGRATIONS_DIR, create_app
from registry.core import clock
from registry.core.extensions import db

TEST_DATA_KEY = Fernet.generate_key().decode()


def test_settings(database_url: str, instance_path: str) -> dict:
    """Configuration every test app shares."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATA_KEYS": [TEST_DATA_KEY],
        "LOOKUP_KEY": "test-lookup-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": None,
    }


def reset_database(url: str) -> None:
    """Start from an empty database (PostgreSQL keeps state between runs)."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        engine.dispose()


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
    import flask_migrate

    instance = str(tmp_path_factory.mktemp("instance"))
    reset_database(database_url)
    application = create_app(test_settings(database_url, instance), instance_path=instance)
    application.test_client_class = IsolatedClient
    with application.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
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
