"""Certificate tables: a worker's certificate, its short manual-entry codes and the signed status lists."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.database import Base, utcnow


class Certificate(Base):
    """A worker's certificate; the public id is what tokens name.

    `status_list_id` and `status_index` are its entry in a published status
    list (workers.certificates.status_lists); tokens name them too.
    """

    __tablename__ = "certificate"
    __table_args__ = (sa.UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(200))
    status_list_id: Mapped[int | None]
    status_index: Mapped[int | None]


class CertificateCode(Base):
    """A short code shown under the QR for manual entry; lives as long as its token."""

    __tablename__ = "certificate_code"

    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class CertificateStatusList(Base):
    """One published status list: its signed credential as served, rebuilt by a job.

    `bits_sha256` is the digest of the uncompressed bitstring, so a rebuild
    that changes nothing keeps the same ETag until the list must be re-signed
    to extend its validity.
    """

    __tablename__ = "certificate_status_list"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    credential: Mapped[str] = mapped_column(sa.Text)
    etag: Mapped[str] = mapped_column(sa.String(64))
    bits_sha256: Mapped[str] = mapped_column(sa.String(64))
    built_at: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
