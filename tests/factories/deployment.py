"""A deployment for tests that run real processes: a fresh database (never the suite's own) and its environment."""
from __future__ import annotations

import json
import os
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from cryptography.fernet import Fernet

from registry.app import MIGRATIONS_DIR, create_app
from registry.core.extensions import db
from tests.factories.app import reset_database

ROOT = Path(__file__).resolve().parents[2]


def fresh_database(database_url: str, tmp_path: Path, name: str) -> str:
    """A new, empty database beside the suite's: on the same PostgreSQL server, or a SQLite file."""
    if not database_url.startswith("postgresql"):
        return "sqlite:///" + str(tmp_path / f"{name}.sqlite")
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    url = database_url.rsplit("/", 1)[0] + "/" + name
    reset_database(url)
    return url


def deployment_env(database_url: str, tmp_path: Path, name: str, **settings: str) -> dict[str, str]:
    """The environment of one deployment on a fresh, migrated database; `settings` become REGISTRY_* variables."""
    url = fresh_database(database_url, tmp_path, name)
    env = {**os.environ,
           "REGISTRY_DATABASE_URL": url, "REGISTRY_INSTANCE_PATH": str(tmp_path / "instance"),
           "REGISTRY_SECRET_KEY": "processes", "REGISTRY_LOOKUP_KEY": "processes",
           "REGISTRY_DATA_KEYS": json.dumps([Fernet.generate_key().decode()]),
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'nfc'}", "FLASK_APP": "registry"}
    env.update({f"REGISTRY_{key}": value for key, value in settings.items()})
    app = deployment_app(env)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()
    return env


def deployment_app(env: dict[str, str], **overrides):
    """An app in this process configured exactly as the deployment's processes are."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("REGISTRY_")})
    try:
        return create_app(overrides or None, instance_path=env["REGISTRY_INSTANCE_PATH"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
