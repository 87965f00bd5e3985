"""Certificate tables: a worker's certificate and its short manual-entry codes."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.database import Base, utcnow


class Certificate(Base):
    """A worker's certificate; the public id is what tokens name."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(200))


class CertificateCode(Base):
    """A short code shown under the QR for manual entry; lives as long as its token."""

    __tablename__ = "certificate_code"

    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
