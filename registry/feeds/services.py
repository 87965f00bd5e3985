"""Loading agency files and reading a person's feeds under the retention rule."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError

from registry.accounts.models import Account
from registry.core import clock
from registry.core.crypto import lookup_hash
from registry.core.extensions import db
from registry.core.idnumbers import InvalidIdNumber, normalize_id_number
from registry.feeds.models import FeedRecord
from registry.feeds.schemas import KINDS, LINE_SCHEMAS

# Credit-reporting regulation: adverse information is kept for five years
# from the day the conduct ended; after that it must not be shown.
ADVERSE_RETENTION = dt.timedelta(days=5 * 365 + 1)
MAX_LINE_BYTES = 256 * 1024


@dataclass
class LineError:
    """Why one line of an agency file was not loaded."""

    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    loaded: int = 0
    replaced: int = 0
    errors: list[LineError] = field(default_factory=list)


def _flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        yield prefix or "_line", "; ".join(messages)
    elif isinstance(messages, list):
        for value in messages:
            yield from _flatten(value, prefix)
    else:
        yield prefix or "_line", str(messages)


def parse_line(kind: str, number: int, line: bytes | str) -> tuple[dict | None, list[LineError]]:
    """Validate one JSON line; returns (clean data with id_number_hash, errors)."""
    if len(line) > MAX_LINE_BYTES:
        return None, [LineError(number, "_line", f"line longer than {MAX_LINE_BYTES} bytes")]
    if isinstance(line, bytes):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            return None, [LineError(number, "_line", "not UTF-8 text")]
    else:
        text = line
    try:
        raw = json.loads(text)
    except ValueError as exc:
        return None, [LineError(number, "_line", f"not valid JSON: {exc.msg}")]
    if not isinstance(raw, dict):
        return None, [LineError(number, "_line", "each line must be a JSON object")]
    try:
        data = LINE_SCHEMAS[kind]().load(raw)
    except ValidationError as exc:
        return None, [LineError(number, name, reason) for name, reason in _flatten(exc.messages)]
    if "id_number" in data:
        try:
            number_value = normalize_id_number(data.pop("id_number"))
        except InvalidIdNumber as exc:
            return None, [LineError(number, "id_number", exc.reason)]
        data["id_number_hash"] = lookup_hash(number_value, "id-number")
    return data, []


def store(kind: str, data: dict) -> bool:
    """Replace the person's record for this feed; True when one was replaced."""
    person = data.pop("id_number_hash")
    source, as_of = data.pop("source"), data.pop("as_of")
    payload = json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
    existing = db.session.scalar(sa.select(FeedRecord).where(FeedRecord.id_number_hash == person,
                                                             FeedRecord.kind == kind))
    if existing is None:
        db.session.add(FeedRecord(id_number_hash=person, kind=kind, source=source, as_of=as_of, payload=payload,
                                  imported_at=clock.now()))
        return False
    existing.source, existing.as_of, existing.payload, existing.imported_at = source, as_of, payload, clock.now()
    return True


def import_lines(kind: str, lines: Iterable[tuple[int, bytes | str]], report: ImportReport) -> None:
    """Load numbered lines into the feed; bad lines are reported, good ones stored (caller commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown feed kind {kind!r}; use one of {', '.join(KINDS)}")
    seen: dict[str, int] = {}
    for number, line in lines:
        if not line.strip():
            continue
        data, errors = parse_line(kind, number, line)
        if errors:
            report.errors.extend(errors)
            continue
        person = data["id_number_hash"]
        if person in seen:
            # A later line for the same person wins, as a later file would.
            report.errors.append(LineError(number, "id_number_hash",
                                           f"same person as line {seen[person]}; this later line replaces it"))
        seen[person] = number
        if store(kind, data):
            report.replaced += 1
        else:
            report.loaded += 1
    db.session.flush()


# --- reading ---------------------------------------------------------------------

@dataclass
class FeedView:
    """What may be shown of one feed for one person."""

    kind: str
    source: str
    as_of: dt.date
    data: dict
    hidden_by_retention: int


def _within_retention(record: dict, today: dt.date) -> bool:
    ended = record.get("ended_on")
    if not ended:
        return True  # ongoing conduct stays visible
    return dt.date.fromisoformat(ended) + ADVERSE_RETENTION > today


class FeedProvider(Protocol):
    """Where a person's feed data comes from (files loaded by operators, or an agency's API)."""

    def fetch(self, id_number_hash: str, kind: str) -> tuple[str, dt.date, dict] | None: ...


class StoredFeedProvider:
    """Serves what operators loaded with `flask feeds import`."""

    def fetch(self, id_number_hash: str, kind: str) -> tuple[str, dt.date, dict] | None:
        row = db.session.scalar(sa.select(FeedRecord).where(FeedRecord.id_number_hash == id_number_hash,
                                                            FeedRecord.kind == kind))
        if row is None:
            return None
        return row.source, row.as_of, json.loads(row.payload)


PROVIDERS = {"stored": StoredFeedProvider}


def provider() -> FeedProvider:
    """The configured provider (only the stored-file one ships)."""
    name = current_app.config.get("FEED_PROVIDER", "stored")
    return PROVIDERS[name]()


def person_feed(account: Account, kind: str) -> FeedView | None:
    """One feed of a person, with adverse records past retention removed."""
    if not account.id_number_hash:
        return None
    found = provider().fetch(account.id_number_hash, kind)
    if found is None:
        return None
    source, as_of, data = found
    today = clock.china_today()
    hidden = 0
    for key in ("adverse_records", "records"):
        if key in data:
            kept = [r for r in data[key] if _within_retention(r, today)]
            hidden += len(data[key]) - len(kept)
            data[key] = kept
    if kind == "background_check" and data.get("result") == "record_found" and not data.get("records"):
        data["result"] = "no_record"  # every record found has passed retention
    return FeedView(kind, source, as_of, data, hidden)


def purge_batches(after_id: int = 0, batch_size: int = 1000) -> Iterator[tuple[int, int, int]]:
    """Remove, for good, adverse records past the five-year retention; yields (last id, trimmed, removed).

    Reading already hides them (`person_feed`); this deletes them from
    storage, as the regulation requires. A record left with nothing to say
    (every adverse entry expired) is deleted; one with other content is
    rewritten without the expired entries. Rerunning changes nothing more.
    Flushes only: the caller commits per batch.
    """
    today = clock.china_today()
    last_id = after_id
    while True:
        rows = db.session.scalars(sa.select(FeedRecord).where(FeedRecord.id > last_id)
                                  .order_by(FeedRecord.id).limit(batch_size)).all()
        if not rows:
            return
        trimmed = removed = 0
        for row in rows:
            last_id = row.id
            data = json.loads(row.payload)
            expired = 0
            for key in ("adverse_records", "records"):
                if isinstance(data.get(key), list):
                    kept = [r for r in data[key] if _within_retention(r, today)]
                    expired += len(data[key]) - len(kept)
                    data[key] = kept
            if not expired:
                continue
            if row.kind == "background_check" and not data.get("records"):
                db.session.delete(row)  # its only content was the expired findings
                removed += 1
            else:
                row.payload = json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
                trimmed += 1
        db.session.flush()
        yield last_id, trimmed, removed


def person_feeds(account: Account) -> dict[str, FeedView | None]:
    """Every feed of a person (None where no agency sent data)."""
    return {kind: person_feed(account, kind) for kind in KINDS}


def delete_feeds(account: Account) -> None:
    """Tax, bank and background data go with the account."""
    if account.id_number_hash:
        db.session.execute(sa.delete(FeedRecord).where(FeedRecord.id_number_hash == account.id_number_hash))
