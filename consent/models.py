"""Authorization letters and the consents signed against them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.database import Base, utcnow


class AuthorizationLetter(Base):
    """One published version of the credit-information authorization letter.

    Versions are immutable once published: a correction is a new version, so
    every consent keeps pointing at exactly the text that was signed.
    """

    __tablename__ = "authorization_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))


class SignedConsent(Base):
    """A worker's signature of one letter version, confirmed by a face check
    and countersigned by the server."""

    __tablename__ = "signed_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("authorization_letter.id"))
    letter_version: Mapped[int]
    letter_sha256: Mapped[str] = mapped_column(sa.String(64))
    face_check_id: Mapped[int | None] = mapped_column(sa.ForeignKey("face_check.id", ondelete="SET NULL"))
    signed_at: Mapped[dt.datetime]
    key_id: Mapped[str] = mapped_column(sa.String(40))
    signature: Mapped[str] = mapped_column(sa.String(120))
    revoked_at: Mapped[dt.datetime | None]


class ViewGrant(Base):
    """A household's time-limited, scoped permission to see a worker's credit data."""

    __tablename__ = "view_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    face_check_id: Mapped[int | None] = mapped_column(sa.ForeignKey("face_check.id", ondelete="SET NULL"))
    # When and why the grant stopped before `valid_until` (consent.grants.END_REASONS); an ended grant never
    # comes back: the household scans again and the worker decides again.
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(32))

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]


class DataAccess(Base):
    """One read of one section under a grant."""

    __tablename__ = "data_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("view_grant.id", ondelete="CASCADE"), index=True)
    section: Mapped[str] = mapped_column(sa.String(32))
    accessed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
