"""Face references, liveness challenges and recorded decisions."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedBytes
from registry.core.database import Base, utcnow
from registry.face.challenge_plan import CapturePlan


class FaceReference(Base):
    """A person's reference template from a trusted photo; only the newest unretired one is used.

    The photo itself is kept (encrypted) only when the identity record needs it.
    """

    __tablename__ = "face_reference"
    __table_args__ = (sa.Index("ix_face_reference_account_active", "account_id", "retired_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(sa.String(20))  # chip_dg2 | manual_review
    provider: Mapped[str] = mapped_column(sa.String(40))
    engine: Mapped[str] = mapped_column(sa.String(120))
    template: Mapped[bytes] = mapped_column(EncryptedBytes)
    photo: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]


class FaceChallenge(Base):
    """A single-use action sequence for one person and purpose, valid for two minutes."""

    __tablename__ = "face_challenge"

    # Random and unguessable: the id is what the browser sends back.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    actions: Mapped[str] = mapped_column(sa.String(64))  # comma-separated, in order
    # camera (a continuous capture on the plan's timeline) or photos (uploaded one by one).
    capture: Mapped[str] = mapped_column(sa.String(12), default="camera")
    # The camera capture's timeline: action windows and flashed colours (challenge_plan.CapturePlan JSON).
    plan: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    @property
    def action_list(self) -> tuple[str, ...]:
        return tuple(a for a in self.actions.split(",") if a)

    @property
    def capture_plan(self) -> CapturePlan | None:
        return CapturePlan.from_json(self.plan) if self.plan else None


class FaceCheck(Base):
    """One recorded decision with the scores, thresholds and engine that produced it."""

    __tablename__ = "face_check"
    __table_args__ = (sa.Index("ix_face_check_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    challenge_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("face_challenge.id", ondelete="SET NULL"), index=True)
    reference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("face_reference.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    actions: Mapped[str] = mapped_column(sa.String(64))
    passed: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    frame_index: Mapped[int | None]
    frame_count: Mapped[int] = mapped_column(default=0)
    provider: Mapped[str] = mapped_column(sa.String(40))
    engine: Mapped[str] = mapped_column(sa.String(120))
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    thresholds: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Only with the operator setting FACE_KEEP_FRAMES; otherwise frames are never stored.
    frames: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the step this check confirms (check-in, consent...) uses it.
    claimed_at: Mapped[dt.datetime | None]
