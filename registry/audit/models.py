"""The audit event table."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.database import Base, utcnow


class AuditEvent(Base):
    """One security event, chained to the previous one by hash.

    The chain covers a salted digest of the payload rather than the payload
    itself, so erasing a deleted person's payload (payload and subject set to
    NULL) keeps the chain verifiable while no longer identifying them.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    # Account the event is about; NULL once erased or for anonymous events.
    subject_id: Mapped[int | None] = mapped_column(index=True)
    actor_id: Mapped[int | None]
    payload: Mapped[str | None] = mapped_column(sa.Text)
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    row_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    erased: Mapped[bool] = mapped_column(default=False)
