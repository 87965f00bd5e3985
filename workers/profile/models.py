"""Profile tables: every saved version of every section."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedText
from registry.core.database import Base, utcnow


class ProfileVersion(Base):
    """One saved version of one profile section (本人信息管理).

    Every edit adds a row; `current` marks the newest per worker and section,
    so "the current profile" is one indexed query and history stays intact.
    The section's content is JSON, encrypted: it holds health results,
    ethnicity, policy and certificate numbers.
    """

    __tablename__ = "worker_profile_version"
    __table_args__ = (
        sa.UniqueConstraint("worker_id", "section", "version", name="uq_worker_profile_version_section_version"),
        sa.Index("ix_worker_profile_version_current", "worker_id", "current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker.account_id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(sa.String(16))
    version: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True)
    content: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
