"""Workers, their enterprise affiliations, versioned profile sections and in-app notices."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.database import Base, TimestampMixin, utcnow


class RegistrationStep(str, enum.Enum):
    """Where a worker's registration stands; steps are done in this order."""

    ENTERPRISES = "enterprises"      # choose the enterprises worked for
    IDENTITY = "identity"            # chip read + face against the chip photo
    AUTHORIZATION = "authorization"  # sign the credit-information authorization letter
    COMPLETE = "complete"


class WorkStatus(str, enum.Enum):
    ACTIVE = "active"
    DEPARTED = "departed"  # 离职: no check-in for more than 30 days


class Worker(TimestampMixin, Base):
    """The worker side of a worker account (one per account).

    `due_on` is the last China-Standard-Time day the worker still counts as
    active: the CST date of registration or of the latest check-in, plus 30
    days. Storing it (rather than recomputing from two timestamps) lets the
    sweep, the reminders and the roster filter compare one indexed date with
    today's CST date. `status` is what the sweep last wrote; readers use
    `workers.services.effective_status`, which agrees with the sweep at any moment.
    """

    __tablename__ = "worker"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    registration_step: Mapped[str] = mapped_column(sa.String(20), default=RegistrationStep.ENTERPRISES.value)
    identity_verified_at: Mapped[dt.datetime | None]
    authorized_at: Mapped[dt.datetime | None]
    # The identity photo (chip DG2 or reviewed hand-held photo) once the identity step stores it.
    photo_ref: Mapped[str | None] = mapped_column(sa.String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_check_in_at: Mapped[dt.datetime | None]
    due_on: Mapped[dt.date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=WorkStatus.ACTIVE.value)
    departed_since: Mapped[dt.datetime | None]
    # The reminder last sent (25 or 29 days) and the due date it was about:
    # a check-in moves due_on, so reminders start over without a reset.
    reminded_mark: Mapped[int | None]
    reminded_due_on: Mapped[dt.date | None]


class AffiliationState(str, enum.Enum):
    PENDING = "pending"      # claimed by the worker, waiting for the enterprise
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    ENDED = "ended"          # ended by the enterprise
    WITHDRAWN = "withdrawn"  # withdrawn or left by the worker


OPEN_STATES = (AffiliationState.PENDING.value, AffiliationState.CONFIRMED.value)


class Affiliation(TimestampMixin, Base):
    """A worker's claim to work for an enterprise and the enterprise's answer.

    One row per worker and enterprise: claiming again after a rejection or an
    end reopens the same row, so a double submission can never make two.

    `worker_due_on` copies Worker.due_on (check-ins and claims keep it in
    step) so the roster counts and filters active/departed workers from one
    covering index instead of visiting 10,000 worker rows per page.
    """

    __tablename__ = "worker_affiliation"
    __table_args__ = (
        sa.UniqueConstraint("worker_id", "enterprise_id", name="uq_worker_affiliation_worker_enterprise"),
        # The roster: one enterprise's workers by state, in worker order.
        sa.Index("ix_worker_affiliation_roster", "enterprise_id", "state", "worker_id"),
        sa.Index("ix_worker_affiliation_roster_due", "enterprise_id", "state", "worker_due_on", "worker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(sa.String(12), default=AffiliationState.PENDING.value)
    worker_due_on: Mapped[dt.date]
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    ended_at: Mapped[dt.datetime | None]


class WorkerNotice(Base):
    """An in-app message to a worker (an enterprise ended the affiliation, ...).

    Stored as a kind plus parameters and rendered in the reader's language.
    """

    __tablename__ = "worker_notice"
    __table_args__ = (sa.Index("ix_worker_notice_worker_created", "worker_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    enterprise_name: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
