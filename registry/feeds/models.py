"""Stored feed records."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedText
from registry.core.database import Base, utcnow


class FeedRecord(Base):
    """One agency's latest data about one person, for one feed kind."""

    __tablename__ = "feed_record"
    __table_args__ = (sa.UniqueConstraint("id_number_hash", "kind", name="uq_feed_record_person_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed hash of the resident ID number; the plain number is never stored here.
    id_number_hash: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(32))
    source: Mapped[str] = mapped_column(sa.String(100))
    as_of: Mapped[dt.date]
    payload: Mapped[str] = mapped_column(EncryptedText)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
