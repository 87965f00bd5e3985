"""Declarative base, shared column types and engine tuning for the registry."""
from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from registry.core import clock

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC, hands back aware UTC datetimes on every backend.

    SQLite keeps no time zone, so normalising at the boundary is the only way
    the same comparison code works on both databases.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


class TimestampMixin:
    """Creation and update times, set by the database session."""

    created_at: Mapped[dt.datetime] = mapped_column(default=lambda: utcnow())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=lambda: utcnow(), onupdate=lambda: utcnow()
    )


def utcnow() -> dt.datetime:
    """The current time, aware UTC. Tests move the clock through registry.clock."""
    return clock.now()


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):
    """Make SQLite behave like a real transactional database.

    pysqlite's own transaction handling breaks SAVEPOINT (used by the per-test
    rollback) and ignores foreign keys; we take over BEGIN ourselves.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Whether the transaction about to begin will write. On SQLite a deferred
# transaction that reads and then writes must upgrade its lock, and in WAL
# mode that fails at once ("database is locked") if another writer committed
# meanwhile; BEGIN IMMEDIATE takes the write lock up front and waits for it
# (busy_timeout) instead. Reads stay deferred so they never queue behind
# writers. PostgreSQL ignores this and keeps its row locks. Outside a request
# (CLI commands, jobs) nothing is declared and transactions are taken as
# writers: batch work writes, and two `flask` processes must queue, not fail.
_write_intent: ContextVar[bool | None] = ContextVar("registry_write_intent", default=None)


def declare_write_intent(writes: bool = True):
    """Say whether the next transactions of this context will write; returns a token for `reset_write_intent`."""
    return _write_intent.set(writes)


def reset_write_intent(token) -> None:
    _write_intent.reset(token)


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN" if _write_intent.get() is False else "BEGIN IMMEDIATE")


# Search indexes created by migrations with raw DDL (SQLite FTS5 virtual
# tables and their shadow tables) are not models; schema comparison skips them.
_UNMODELLED_TABLE = re.compile(r"^[a-z_]+_(fts|grams)(_(data|idx|content|docsize|config))?$")
# ...and PostgreSQL trigram/bigram GIN indexes, which models cannot express.
_UNMODELLED_INDEX = re.compile(r"^ix_[a-z_]+_(trgm|grams)$")


def include_in_schema_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic include_object hook: ignore database-only search index tables."""
    if reflected and compare_to is None and name:
        if type_ == "table" and _UNMODELLED_TABLE.match(name):
            return False
        if type_ == "index" and _UNMODELLED_INDEX.match(name):
            return False
    return True
