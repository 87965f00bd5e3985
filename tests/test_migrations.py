"""Alembic migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from registry.app import MIGRATIONS_DIR
from registry.core.database import include_in_schema_comparison
from registry.core.extensions import db


def test_migrated_schema_matches_models(app, db_session):
    with app.app_context():
        context = MigrationContext.configure(db_session.connection(),
                                             opts={"include_object": include_in_schema_comparison})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_single_migration_head():
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
