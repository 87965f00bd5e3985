"""Alembic environment: migrations run against the app's own engine and metadata."""
import logging

from alembic import context
from flask import current_app

from registry.core.database import include_in_schema_comparison

logger = logging.getLogger("alembic.env")
config = context.config
target_db = current_app.extensions["migrate"].db


def get_engine():
    """The app's engine (Flask-SQLAlchemy 3)."""
    return target_db.engine


config.set_main_option("sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%"))


def get_metadata():
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render the app's column types as their storage types, so migrations
    never import application code that may change later."""
    if type_ == "type":
        from registry.core.crypto import EncryptedBytes, EncryptedText
        from registry.core.database import UTCDateTime

        if isinstance(obj, (EncryptedText, EncryptedBytes)):
            return "sa.LargeBinary()"
        if isinstance(obj, UTCDateTime):
            return "sa.DateTime()"
    return False


def run_migrations_offline():
    """Emit SQL without a database connection."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=get_metadata(),
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run against the app's database."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("render_as_batch", True)
    conf_args.setdefault("include_object", include_in_schema_comparison)

    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
