"""Health, insurance and training records with their documents and who verified them."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedBytes, EncryptedText
from registry.core.database import Base, utcnow
from registry.feeds.schemas import CREDENTIAL_KINDS

# Each kind of record and its category, as the institution feeds name them: 体检报告, 健康证; 意外险,
# 雇主责任险; 培训证书, 职业技能等级证书. Health and insurance records expire; training ones may not.
KINDS: dict[str, str] = {kind: category for category, kinds in CREDENTIAL_KINDS.items() for kind in kinds}
CATEGORIES = tuple(CREDENTIAL_KINDS)
EXPIRING = ("health", "insurance")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class RecordState(str, enum.Enum):
    PENDING = "pending"    # uploaded by the worker; self-reported until someone verifies it (本人填报)
    VERIFIED = "verified"  # checked against the document by a confirmed enterprise or an operator
    REJECTED = "rejected"  # the document does not show what the record says (reason given)


class CredentialRecord(Base):
    """One health check, insurance policy or training certificate of a worker, with its document.

    The number and the document are encrypted (policy and certificate numbers,
    health results); the document goes with the account. Verified by staff of
    an enterprise that confirmed the worker, or by an operator; institution
    feeds (`flask feeds import health|insurance|training`) arrive as feed
    records, verified at the source, and are shown beside these.
    """

    __tablename__ = "worker_credential"
    __table_args__ = (sa.Index("ix_worker_credential_worker_category", "worker_id", "category"),
                      sa.Index("ix_worker_credential_state_created", "state", "created_at"),
                      sa.Index("ix_worker_credential_expires", "expires_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[str] = mapped_column(sa.String(24))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    number: Mapped[str | None] = mapped_column(EncryptedText)
    issued_on: Mapped[dt.date]
    expires_on: Mapped[dt.date | None]
    document: Mapped[bytes] = mapped_column(EncryptedBytes)
    document_type: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(10), default=RecordState.PENDING.value)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    verified_via: Mapped[str | None] = mapped_column(sa.String(10))  # enterprise | operator
    verified_enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(EncryptedText)
    # Expiry reminders already sent (30 and 7 days before), so a rerun of the daily job sends none twice.
    reminded_30: Mapped[bool] = mapped_column(default=False)
    reminded_7: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
