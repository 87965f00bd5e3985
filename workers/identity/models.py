"""Identity-step tables: proofs of identity, reader stations and their reads, bindings, chip nonces, reviews."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedBytes, EncryptedText
from registry.core.database import Base, utcnow

CODE_LENGTH = 8  # the desk-reader binding code (chip.py issues it)


class IdentityRecord(Base):
    """One identity proof attempt and its outcome, without personal data.

    `document_verified_at` is set when the document checks passed and it
    matched the account; `verified_at` when the proof is complete (the face
    matched the chip photo, or an operator approved a manual review).
    """

    __tablename__ = "identity_record"
    __table_args__ = (sa.Index("ix_identity_record_worker_created", "worker_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(sa.String(24))
    document_kind: Mapped[str] = mapped_column(sa.String(24))
    # name -> {"status": passed|failed|skipped, "reason": generic text}; never personal data.
    checks: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    simulated: Mapped[bool] = mapped_column(default=False)
    # Why the attempt stopped, as a stable code (checks_failed, identity_mismatch, ...).
    failure: Mapped[str | None] = mapped_column(sa.String(32))
    face_reference_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("face_reference.id", ondelete="SET NULL"))
    face_check_id: Mapped[int | None] = mapped_column(sa.ForeignKey("face_check.id", ondelete="SET NULL"))
    # The reader station that read the document (every station read is attributed to one).
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("identity_station.id", ondelete="SET NULL"))
    document_verified_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IdentityBinding(Base):
    """A short code tying a desk-reader session to one worker's registration."""

    __tablename__ = "identity_binding"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class IdentityStation(Base):
    """A reader station (a PC with a contactless or SAM reader at an office or service window).

    It holds an Ed25519 key pair of its own; the platform keeps only the
    public key and checks every request's signature against it. An operator
    registers it, which yields a one-time enrolment code; revoking it stops
    every later request at once.
    """

    __tablename__ = "identity_station"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    place: Mapped[str] = mapped_column(sa.String(120), default="")
    # Keyed hash of the one-time enrolment code (the code itself is shown once).
    enrolment_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    enrolment_expires_at: Mapped[dt.datetime | None]
    public_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary(32))
    enrolled_at: Mapped[dt.datetime | None]
    # The platform's own in-process station for 模拟证件（演示）; never in production.
    builtin: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))


class StationRead(Base):
    """One pairing of a station with a worker's registration: the station may upload one read for it."""

    __tablename__ = "identity_station_read"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("identity_station.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"), index=True)
    simulated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    # What the station reported when it could not read (a stable code; see messages.read_problem).
    problem: Mapped[str | None] = mapped_column(sa.String(32))
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("identity_record.id", ondelete="SET NULL"))


class IdentityNonce(Base):
    """The outstanding active-authentication challenge of one registration session."""

    __tablename__ = "identity_nonce"

    session_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"), index=True)
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(16))
    expires_at: Mapped[dt.datetime]


class ReviewState:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class IdentityReview(Base):
    """One submission of the three photos and the operator's decision on it."""

    __tablename__ = "identity_review"
    __table_args__ = (sa.Index("ix_identity_review_state_submitted", "state", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default=ReviewState.PENDING)
    hand_held_photo: Mapped[bytes] = mapped_column(EncryptedBytes)
    front_photo: Mapped[bytes] = mapped_column(EncryptedBytes)
    back_photo: Mapped[bytes] = mapped_column(EncryptedBytes)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    # The operator's words may quote the photos (a name, a number): encrypted.
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    identity_record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("identity_record.id", ondelete="SET NULL"))

    def photo(self, kind: str) -> bytes:
        return {"hand_held": self.hand_held_photo, "front": self.front_photo, "back": self.back_photo}[kind]
