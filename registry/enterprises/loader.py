"""Set-based upsert of cleaned enterprise rows, one batch per transaction.

The importer and the demo generator both come through here. Core statements
(not ORM objects) keep a million rows within minutes; each batch is complete
or absent, and re-running a load converges to the same state (upsert by
credit code, records replaced per source).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterable

import sqlalchemy as sa

from registry.core.database import utcnow
from registry.core.extensions import db
from registry.enterprises import catalog
from registry.enterprises.models import CreditRecord, Enterprise, EnterpriseBrand
from registry.enterprises.search import search_fields

enterprise_t = Enterprise.__table__
brand_t = EnterpriseBrand.__table__
record_t = CreditRecord.__table__

_COPIED = ("name", "province_code", "city_code", "district_code", "address", "legal_representative",
           "registered_on", "registered_capital_yuan", "business_scope", "status", "commitment_signed_on",
           "commitment_text")


def prepare(row: dict, default_source: str) -> dict:
    """Add what the loader stores besides the row itself: search fields and a content hash.

    Pure, so the importer can run it in worker processes. The hash lets a
    re-run skip rows that have not changed since they were loaded.
    """
    # repr of plain values (str, int, date, lists, dicts in a fixed key order) is stable and far cheaper
    # than JSON with a default= hook.
    material = repr((default_source, sorted(row.items())))
    row["import_hash"] = hashlib.sha1(material.encode("utf-8")).hexdigest()
    row["search_text"], row["search_grams"] = search_fields(row["name"], row.get("brands", []))
    return row


def _enterprise_values(row: dict, now) -> dict:
    values = {name: row.get(name) for name in _COPIED}
    values["status"] = values["status"] or "operating"
    values["service_mask"] = catalog.service_mask(row.get("service_types", []))
    values["search_text"], values["search_grams"] = row["search_text"], row["search_grams"]
    values["import_hash"] = row["import_hash"]
    values["updated_at"] = now
    return values


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def upsert_batch(rows: list[dict], default_source: str) -> tuple[int, int]:
    """Insert or update cleaned rows (unique codes); returns (inserted, updated or unchanged).

    Flushes only: the caller commits, one transaction per batch.
    """
    if not rows:
        return 0, 0
    session = db.session
    now = utcnow()
    for row in rows:
        if "import_hash" not in row:
            prepare(row, default_source)
    existing: dict[str, int] = {}
    unchanged: set[str] = set()
    for chunk in _chunks([r["credit_code"] for r in rows]):
        for code, enterprise_id, import_hash in session.execute(
                sa.select(enterprise_t.c.credit_code, enterprise_t.c.id, enterprise_t.c.import_hash)
                .where(enterprise_t.c.credit_code.in_(chunk))):
            existing[code] = enterprise_id
            unchanged.add(code + import_hash) if import_hash else None
    skipped = sum(1 for r in rows if r["credit_code"] + r["import_hash"] in unchanged)
    if skipped:
        rows = [r for r in rows if r["credit_code"] + r["import_hash"] not in unchanged]
    new_rows = [r for r in rows if r["credit_code"] not in existing]
    old_rows = [r for r in rows if r["credit_code"] in existing]
    ids = dict(existing)
    if new_rows:
        columns = ("credit_code", "created_at", *_COPIED, "service_mask", "search_text", "search_grams",
                   "import_hash", "updated_at")
        values = []
        for r in new_rows:
            v = _enterprise_values(r, now)
            v["credit_code"], v["created_at"] = r["credit_code"], now
            values.append(tuple(v[c] for c in columns))
        with _search_index_deferred(session.connection()):
            bulk_insert("enterprise", columns, values)
        for chunk in _chunks([r["credit_code"] for r in new_rows]):
            ids.update(session.execute(sa.select(enterprise_t.c.credit_code, enterprise_t.c.id)
                                       .where(enterprise_t.c.credit_code.in_(chunk))).all())
    if old_rows:
        columns = {name: sa.bindparam("v_" + name) for name in (*_COPIED, "service_mask", "search_text",
                                                                "search_grams", "import_hash", "updated_at")}
        statement = sa.update(enterprise_t).where(enterprise_t.c.id == sa.bindparam("v_id")).values(columns)
        session.connection().execute(statement, [
            {"v_id": existing[r["credit_code"]], **{"v_" + k: v for k, v in _enterprise_values(r, now).items()}}
            for r in old_rows])
        old_ids = [existing[r["credit_code"]] for r in old_rows]
        for chunk in _chunks(old_ids):
            session.execute(sa.delete(brand_t).where(brand_t.c.enterprise_id.in_(chunk)))
    brands = [(ids[r["credit_code"]], name) for r in rows for name in r.get("brands", [])]
    bulk_insert("enterprise_brand", ("enterprise_id", "name"), brands)
    _replace_records(rows, ids, existing, default_source, now)
    return len(new_rows), len(old_rows) + skipped


def _replace_records(rows: list[dict], ids: dict[str, int], existing: dict[str, int], default_source: str,
                     now) -> None:
    # Records are replaced per source: the file's own source for every row it
    # holds, and any other source a row's records name, for that row only.
    by_source: dict[str, list[int]] = {default_source: [existing[r["credit_code"]] for r in rows
                                                        if r["credit_code"] in existing]}
    for row in rows:
        if row["credit_code"] not in existing:
            continue
        for source in {rec["source"] for rec in row.get("records", [])} - {default_source}:
            by_source.setdefault(source, []).append(existing[row["credit_code"]])
    for source, enterprise_ids in by_source.items():
        for chunk in _chunks(enterprise_ids):
            db.session.execute(sa.delete(record_t).where(record_t.c.enterprise_id.in_(chunk),
                                                         record_t.c.source == source))
    columns = ("enterprise_id", "kind", "occurred_on", "authority", "summary", "document_number", "source",
               "valid_until", "created_at", "updated_at")
    records = [(ids[r["credit_code"]], rec["kind"], rec["occurred_on"], rec["authority"], rec["summary"],
                rec["document_number"], rec["source"], rec["valid_until"], now, now)
               for r in rows for rec in r.get("records", [])]
    bulk_insert("credit_record", columns, records)


# SQLite's row trigger that copies each new enterprise into the two FTS5 tables.
_INSERT_TRIGGER = "enterprise_search_ai"


@contextlib.contextmanager
def _search_index_deferred(connection):
    """SQLite: fill the FTS tables once per batch instead of by a trigger per row.

    The trigger costs about ten times the insert itself; one INSERT ... SELECT
    over the batch's new ids does the same work in a fraction of it. The
    trigger is dropped and re-created (from its own stored SQL) inside the
    batch's transaction, so a kill rolls both back: no committed state ever
    lacks the trigger or an indexed row. Other databases: nothing to do.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    trigger_sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (_INSERT_TRIGGER,)).scalar()
    if trigger_sql is None:  # no search index (a database without the migration)
        yield
        return
    before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM enterprise").scalar()
    connection.exec_driver_sql(f"DROP TRIGGER {_INSERT_TRIGGER}")
    yield
    for table, column in (("enterprise_fts", "search_text"), ("enterprise_grams", "search_grams")):
        connection.exec_driver_sql(f"INSERT INTO {table}(rowid, {column}) "
                                   f"SELECT id, {column} FROM enterprise WHERE id > ?", (before,))
    connection.exec_driver_sql(trigger_sql)


def _sqlite_value(value):
    # The storage formats SQLAlchemy's SQLite Date and DateTime types use.
    kind = type(value)
    if kind is dt.date:
        return value.isoformat()
    if kind is dt.datetime:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain tuples through the driver: COPY on PostgreSQL, executemany on SQLite.

    SQLAlchemy's per-row parameter processing (and psycopg's parsing of huge
    multi-VALUES statements) cost more than the database work at a million
    rows. Datetimes must be aware UTC; they are stored naive, as UTCDateTime does.
    """
    if not rows:
        return
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        # A bigger GIN pending list: the two search indexes take a batch's new
        # entries in fewer, larger merges (for this transaction only).
        connection.exec_driver_sql("SET LOCAL gin_pending_list_limit = '32MB'")

        def fix(value):
            if isinstance(value, dt.datetime):
                return value.astimezone(dt.UTC).replace(tzinfo=None)
            return value

        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([fix(v) for v in row])
    else:
        placeholders = ", ".join("?" for _ in columns)
        # Convert only the columns holding dates (a transpose is C speed; a
        # call per value is not).
        by_column = list(zip(*rows))
        for index, values in enumerate(by_column):
            if {type(v) for v in values} & {dt.date, dt.datetime}:
                by_column[index] = [_sqlite_value(v) for v in values]
        raw.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", zip(*by_column))
