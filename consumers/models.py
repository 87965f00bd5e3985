"""View requests and scan attempts."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.database import Base, utcnow


class RequestState(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


class ViewRequest(Base):
    """A household asking, after a scan, to see a worker's credit data."""

    __tablename__ = "view_request"
    __table_args__ = (sa.Index("ix_view_request_worker_state", "worker_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", ondelete="SET NULL"),
                                                       index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=RequestState.PENDING.value)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    grant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("view_grant.id", ondelete="SET NULL"))


class ScanAttempt(Base):
    """Every scan, good or bad, so floods can be limited per household and per certificate."""

    __tablename__ = "scan_attempt"
    __table_args__ = (sa.Index("ix_scan_attempt_consumer_at", "consumer_id", "at"),
                      sa.Index("ix_scan_attempt_certificate_at", "certificate_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(40))
