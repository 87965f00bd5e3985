"""Disputes (异议): a worker contests one record held about them; an operator decides."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedText
from registry.core.database import Base, utcnow

# The records a worker may contest, as (kind, record_id): the three agency feeds (record_id is the
# feed_record row), an enterprise's decision on an affiliation (worker_affiliation) and a saved
# profile section (worker_profile_version), a closed complaint about one of the worker's home visits
# (visit_complaint). Their words are in disputes.messages.
FEED_KINDS = ("background_check", "tax", "bank_credit")
RECORD_KINDS = (*FEED_KINDS, "affiliation", "profile", "complaint")
# The worker's reason and the operator's, in characters.
MAX_REASON_LENGTH = 1000


class DisputeState(str, enum.Enum):
    OPEN = "open"          # waiting for an operator; the record is marked disputed (有异议)
    UPHELD = "upheld"      # the record is wrong: the resolution says what happens to it
    REJECTED = "rejected"  # the record stands


OUTCOMES = (DisputeState.UPHELD.value, DisputeState.REJECTED.value)


class Dispute(Base):
    """One objection to one record, with the operator's decision once made.

    The record is referenced, not copied: (record_kind, record_id) points into
    the table of its kind, so there is no foreign key; the disputes service
    checks that it exists and belongs to the worker. At most one dispute per
    record is open at a time (a partial unique index). Reasons are free text
    about credit records, so they are encrypted.
    """

    __tablename__ = "dispute"
    __table_args__ = (
        sa.Index("uq_dispute_open_record", "record_kind", "record_id", unique=True,
                 sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'")),
        # The operators' queue: open disputes, oldest first.
        sa.Index("ix_dispute_state_opened", "state", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    record_kind: Mapped[str] = mapped_column(sa.String(32))
    record_id: Mapped[int]
    reason: Mapped[str] = mapped_column(EncryptedText)
    state: Mapped[str] = mapped_column(sa.String(12), default=DisputeState.OPEN.value)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(EncryptedText)

    @property
    def is_open(self) -> bool:
        return self.state == DisputeState.OPEN.value
