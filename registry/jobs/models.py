"""Jobs: the durable record of every piece of background work, and uploaded files awaiting import."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedBytes, EncryptedText
from registry.core.database import Base, utcnow


class JobStatus(str, enum.Enum):
    PENDING = "pending"    # waiting for a worker (or for its retry time)
    RUNNING = "running"    # claimed by a worker whose lease has not run out
    DONE = "done"
    DEAD = "dead"          # out of attempts: the dead-letter record an operator retries or discards


class Job(Base):
    """One unit of background work.

    The row is the source of truth; the queue (Huey on SQLite or Redis) only
    carries its id. The row is written in the same transaction as the change
    that asked for it, so work is never lost when a queue or a worker is,
    and a job whose worker died is found again by its expired lease.
    """

    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default=JobStatus.PENDING.value)
    # What the job works on; encrypted because it can hold a phone number or an SMS text.
    # Cleared when the job is done.
    payload: Mapped[str | None] = mapped_column(EncryptedText)
    # Scheduled work names its day here ("workers.sweep@2026-12-01"), so two schedulers submit it once.
    unique_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    # The person the job is about, so their pending work goes when their account does.
    subject_account_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    created_by: Mapped[int | None] = mapped_column(sa.Integer)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[dt.datetime | None]
    lease_until: Mapped[dt.datetime | None]
    # Resumption point and counters, committed with the work they describe (no personal data).
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The failure's kind and, for JobFailure, its words; never an arbitrary exception message.
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class JobFile(Base):
    """A file an operator uploaded for an import job, encrypted, deleted when the job ends."""

    __tablename__ = "job_file"

    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(EncryptedBytes)
    size: Mapped[int]
