"""Enterprises, their brands and credit records, and staff membership."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.database import Base, TimestampMixin, utcnow

# Separates name and brands in Enterprise.search_text, so a match never spans
# two fields and "\x1f" + query finds a name or brand *prefix*.
FIELD_SEPARATOR = "\x1f"


class Enterprise(TimestampMixin, Base):
    """A household-services enterprise as registered, with its public credit profile.

    search_text (lower-cased name and brands between separators) feeds the
    trigram index; search_grams (its two-character grams, space-separated)
    feeds the index for two-character queries, which trigrams cannot answer.
    Both are kept by services.refresh_search_fields; the migration adds the
    database-specific indexes.
    """

    __tablename__ = "enterprise"
    __table_args__ = (
        sa.Index("ix_enterprise_city_id", "city_code", "id"),
        sa.Index("ix_enterprise_province_id", "province_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    province_code: Mapped[str] = mapped_column(sa.String(6))
    city_code: Mapped[str] = mapped_column(sa.String(6))
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    legal_representative: Mapped[str | None] = mapped_column(sa.String(64))
    registered_on: Mapped[dt.date | None]
    # Whole yuan; files and pages use 万元 (ten thousand yuan), as Chinese registers print it.
    registered_capital_yuan: Mapped[int | None] = mapped_column(sa.BigInteger)
    business_scope: Mapped[str | None] = mapped_column(sa.Text)
    service_mask: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="operating")
    commitment_signed_on: Mapped[dt.date | None]
    commitment_text: Mapped[str | None] = mapped_column(sa.Text)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    search_grams: Mapped[str] = mapped_column(sa.Text, default="")
    # Hash of the file row last loaded; a re-run skips rows whose hash is unchanged.
    import_hash: Mapped[str | None] = mapped_column(sa.String(40))

    brands: Mapped[list[EnterpriseBrand]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="EnterpriseBrand.id",
        passive_deletes=True)
    records: Mapped[list[CreditRecord]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(CreditRecord.occurred_on.desc(), CreditRecord.id.desc())")

    @property
    def brand_names(self) -> list[str]:
        return [b.name for b in self.brands]

    @property
    def registered_capital(self) -> str | None:
        """Registered capital in 万元 as text ("100", "12.5")."""
        if self.registered_capital_yuan is None:
            return None
        return format((Decimal(self.registered_capital_yuan) / 10_000).normalize(), "f")


class EnterpriseBrand(Base):
    """A brand an enterprise trades under (several per enterprise)."""

    __tablename__ = "enterprise_brand"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), index=True)

    enterprise: Mapped[Enterprise] = relationship(back_populates="brands")


class CreditRecord(TimestampMixin, Base):
    """One credit fact about an enterprise; adverse ones stop counting after valid_until."""

    __tablename__ = "credit_record"
    __table_args__ = (sa.Index("ix_credit_record_enterprise_source", "enterprise_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    occurred_on: Mapped[dt.date]
    authority: Mapped[str | None] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    document_number: Mapped[str | None] = mapped_column(sa.String(100))
    source: Mapped[str] = mapped_column(sa.String(100))
    valid_until: Mapped[dt.date | None]

    enterprise: Mapped[Enterprise] = relationship(back_populates="records")


class EnterpriseStaff(Base):
    """Which enterprise a staff account belongs to (one per account).

    Kept beside the accounts model rather than in it, so the enterprises
    domain owns the link and accounts need not know about enterprises.
    """

    __tablename__ = "enterprise_staff"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=lambda: _now())


def _now() -> dt.datetime:
    return utcnow()
