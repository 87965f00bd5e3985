"""Writing, reading (a person's own events), erasing and verifying the audit chain."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.core.database import utcnow
from registry.core.extensions import db

GENESIS = "0" * 64


def _digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _row_hash(event: AuditEvent) -> str:
    material = "|".join([
        event.prev_hash, str(event.id), event.occurred_at.isoformat(), event.kind,
        event.payload_digest,
    ])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    # Appends must be serialised or two requests would chain to the same row;
    # SQLite serialises writers itself, PostgreSQL needs an explicit lock.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(727001)"))


def record(kind: str, *, subject_id: int | None = None, actor_id: int | None = None,
           **details: Any) -> AuditEvent:
    """Append an event. Details must not contain personal data (ids and codes only)."""
    _lock_chain()
    last = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    payload = json.dumps({"salt": secrets.token_hex(16), "subject_id": subject_id,
                          "actor_id": actor_id, "details": details},
                         sort_keys=True, ensure_ascii=False)
    event = AuditEvent(
        id=(last.id + 1) if last else 1,
        occurred_at=utcnow().replace(microsecond=0),
        kind=kind,
        subject_id=subject_id,
        actor_id=actor_id,
        payload=payload,
        payload_digest=_digest(payload),
        prev_hash=last.row_hash if last else GENESIS,
    )
    event.row_hash = _row_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


def erase_subject(account_id: int) -> int:
    """Erase payload and links of every event about or by an account; returns how many."""
    result = db.session.execute(
        sa.update(AuditEvent)
        .where(sa.or_(AuditEvent.subject_id == account_id, AuditEvent.actor_id == account_id))
        .values(payload=None, subject_id=None, actor_id=None, erased=True)
    )
    return result.rowcount or 0


def events_about(subject_id: int, kinds: tuple[str, ...]) -> list[tuple[dt.datetime, str, dict]]:
    """(when, kind, details) of every event of these kinds about one account, oldest first.

    For the account's own history (its data export); erased events are no longer about anyone.
    """
    rows = db.session.execute(
        sa.select(AuditEvent.occurred_at, AuditEvent.kind, AuditEvent.payload)
        .where(AuditEvent.subject_id == subject_id, AuditEvent.kind.in_(kinds), AuditEvent.payload.is_not(None))
        .order_by(AuditEvent.id)).all()
    return [(row.occurred_at, row.kind, json.loads(row.payload).get("details") or {}) for row in rows]


@dataclass
class ChainReport:
    """Outcome of verifying the chain."""

    checked: int
    erased: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the chain in id order; report the first broken link."""
    expected_prev = GENESIS
    expected_id = 1
    checked = erased = 0
    last_id = 0
    while True:
        rows = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            return ChainReport(checked, erased)
        for event in rows:
            if event.id != expected_id:
                return ChainReport(checked, erased, expected_id, f"event {expected_id} is missing")
            if event.prev_hash != expected_prev:
                return ChainReport(checked, erased, event.id, "link to the previous event does not match")
            if event.payload is not None:
                if event.erased or _digest(event.payload) != event.payload_digest:
                    return ChainReport(checked, erased, event.id, "payload was changed")
                content = json.loads(event.payload)
                if (content.get("subject_id"), content.get("actor_id")) != (event.subject_id, event.actor_id):
                    return ChainReport(checked, erased, event.id, "subject or actor was changed")
            elif not event.erased:
                return ChainReport(checked, erased, event.id, "payload was removed without erasure")
            else:
                erased += 1
            if _row_hash(event) != event.row_hash:
                return ChainReport(checked, erased, event.id, "event fields were changed")
            expected_prev = event.row_hash
            expected_id += 1
            checked += 1
            last_id = event.id
        db.session.expunge_all()
