"""Articles."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.database import Base, TimestampMixin


class ArticleKind(str, enum.Enum):
    NEWS = "news"
    NOTICE = "notice"
    POLICY = "policy"


class Article(TimestampMixin, Base):
    """A news item, notice or policy; visible once published_at is set and reached."""

    __tablename__ = "article"
    __table_args__ = (sa.Index("ix_article_kind_published", "kind", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str | None] = mapped_column(sa.String(200))
    published_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
