"""Home visits (确认入户), the ratings and complaints they allow, and complaint evidence."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.crypto import EncryptedBytes, EncryptedText
from registry.core.database import Base, utcnow

RATING_TAGS = ("punctual", "professional", "communicates_well", "hygienic", "careful", "friendly")
# Complaint categories; the serious ones keep a worker's status code from green while open.
COMPLAINT_CATEGORIES = ("service_quality", "no_show_or_late", "conduct", "pricing", "property_damage", "safety",
                        "other")
SERIOUS_CATEGORIES = ("property_damage", "safety")
MAX_COMMENT_LENGTH = 500
MAX_COMPLAINT_LENGTH = 2000
MAX_AREA_LENGTH = 40


class VisitState(str, enum.Enum):
    REQUESTED = "requested"  # the household tapped 确认入户; the worker has not confirmed yet
    STARTED = "started"      # both confirmed: the worker is in the home
    ENDED = "ended"          # ended by the household or the worker; it may be rated
    DECLINED = "declined"    # the worker said it is not them
    EXPIRED = "expired"      # the worker never confirmed in time


class HomeVisit(Base):
    """One visit of a worker to a household, confirmed at the door by both.

    The enterprise is the one the worker came for (one of their confirmed
    affiliations); the area is optional and coarse (a district, never an
    address). An enterprise sees its workers' visits as counts and dates,
    never the household.
    """

    __tablename__ = "home_visit"
    __table_args__ = (sa.Index("ix_home_visit_worker_state", "worker_id", "state"),
                      sa.Index("ix_home_visit_enterprise_started", "enterprise_id", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="SET NULL"))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(10), default=VisitState.REQUESTED.value)
    area: Mapped[str | None] = mapped_column(sa.String(MAX_AREA_LENGTH))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirm_by: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[str | None] = mapped_column(sa.String(10))  # household | worker


class VisitRating(Base):
    """A household's one rating of one ended visit; shown only as aggregates with counts."""

    __tablename__ = "visit_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("home_visit.id", ondelete="CASCADE"), unique=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="SET NULL"),
                                                      index=True)
    stars: Mapped[int]
    tags: Mapped[str] = mapped_column(sa.String(200), default="")  # comma-separated RATING_TAGS
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


class ComplaintState(str, enum.Enum):
    OPEN = "open"            # waiting for the enterprise's answer (until respond_by)
    ANSWERED = "answered"    # the enterprise answered; an operator mediates
    CLOSED = "closed"        # an operator closed it with an outcome


class ComplaintOutcome(str, enum.Enum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"
    WITHDRAWN = "withdrawn"  # the household withdrew it


UPHOLDING = (ComplaintOutcome.UPHELD.value, ComplaintOutcome.PARTLY_UPHELD.value)


class Complaint(Base):
    """A household's complaint about a real visit, against its worker or its enterprise.

    The enterprise answers by respond_by; an operator mediates and closes it
    with an outcome. Upheld against an enterprise it becomes a 消费者投诉
    credit record on the enterprise's public page (credit_record_id); against
    a worker it counts in the household credit view by outcome.
    """

    __tablename__ = "visit_complaint"
    __table_args__ = (sa.Index("ix_visit_complaint_state_filed", "state", "filed_at"),
                      sa.Index("ix_visit_complaint_enterprise_state", "enterprise_id", "state"),
                      sa.Index("ix_visit_complaint_worker_state", "worker_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("home_visit.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="SET NULL"))
    against: Mapped[str] = mapped_column(sa.String(10))  # worker | enterprise
    category: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(EncryptedText)
    state: Mapped[str] = mapped_column(sa.String(10), default=ComplaintState.OPEN.value)
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    respond_by: Mapped[dt.datetime]
    response: Mapped[str | None] = mapped_column(EncryptedText)
    responded_at: Mapped[dt.datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    worker_reply: Mapped[str | None] = mapped_column(EncryptedText)
    outcome: Mapped[str | None] = mapped_column(sa.String(14))
    outcome_note: Mapped[str | None] = mapped_column(EncryptedText)
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    credit_record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_record.id", ondelete="SET NULL"))

    evidence: Mapped[list[ComplaintEvidence]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ComplaintEvidence.id")

    @property
    def serious(self) -> bool:
        return self.category in SERIOUS_CATEGORIES

    @property
    def is_open(self) -> bool:
        return self.state != ComplaintState.CLOSED.value


class ComplaintEvidence(Base):
    """A photo attached to a complaint, encrypted; seen by the enterprise concerned and operators."""

    __tablename__ = "visit_complaint_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_complaint.id", ondelete="CASCADE"), index=True)
    media_type: Mapped[str] = mapped_column(sa.String(20))
    content: Mapped[bytes] = mapped_column(EncryptedBytes)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
