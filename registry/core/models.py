"""The foundation's own table: server signing keys shared by every process and machine."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedBytes
from registry.core.database import Base, utcnow


class SigningKeyRecord(Base):
    """One Ed25519 key of one purpose's ring (certificates, consent receipts).

    `generation` counts the ring's keys: the unique (purpose, generation)
    pair makes two processes creating "the first key" or rotating at the same
    moment agree on one winner instead of each keeping its own key. The
    private key is sealed with the data keys like every sensitive field.
    """

    __tablename__ = "signing_key"
    __table_args__ = (sa.UniqueConstraint("purpose", "generation", name="uq_signing_key_purpose_generation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))
    generation: Mapped[int]
    kid: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    private_key: Mapped[bytes] = mapped_column(EncryptedBytes)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
