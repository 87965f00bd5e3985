"""Building test apps: the settings every test app shares, and a migrated app on a fresh database."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from cryptography.fernet import Fernet

from registry.app import MIGRATIONS_DIR, create_app
from registry.core.extensions import db
from registry.core.signing import ensure_keys

TEST_DATA_KEY = Fernet.generate_key().decode()


def app_settings(database_url: str, instance_path: str) -> dict:
    """Configuration every test app shares."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATA_KEYS": [TEST_DATA_KEY],
        "LOOKUP_KEY": "test-lookup-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": None,
        # Jobs run in the submitting process right after the commit; tests/registry/jobs run real workers.
        "JOBS_BACKEND": "immediate",
        # One app serves a whole test run from 127.0.0.1; the per-address limits have their own tests.
        "LOOKUP_RATE_LIMIT": "1000000/minute",
        "SIGN_IN_RATE_LIMIT": "1000000/minute",
        # Rows change inside rolled-back test transactions; tests/registry/web/test_caching.py turns it on.
        "PAGE_CACHE": False,
    }


def reset_database(url: str) -> None:
    """Start from an empty database (PostgreSQL keeps state between runs)."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        engine.dispose()


def make_app(database_url: str, instance_path: str, **overrides):
    """An app with the shared test settings (plus overrides), its database built by the real migrations."""
    settings = app_settings(database_url, instance_path)
    settings.update(overrides)
    application = create_app(settings, instance_path=instance_path)
    with application.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        ensure_keys()  # as a deployment does after migrating (`flask keys init`)
        db.session.remove()
    return application
