"""The status code (安心码): green, yellow or red, computed from the rules each time, never stored by hand.

Red: departed (more than 30 days without a check-in), certificate revoked,
a health check or insurance that has run out, or a red concern of another
domain (a ban). Green: identity verified, active, a verified, valid health
check and insurance, and nothing open against the worker. Yellow otherwise:
something expiring within 30 days, unverified or missing, or a complaint
open (`signals.worker_status_concerns`). The reasons come with the colour,
in words the worker can act on; households see only their categories.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.core import clock, signals
from registry.core.errors import NotFound
from registry.core.extensions import db
from workers.certificates import messages
from workers.certificates.models import Certificate
from workers.models import Worker, WorkStatus
from workers.records import services as records
from workers.services import effective_status

GREEN, YELLOW, RED = "green", "yellow", "red"
# What a household may be told before any consent: the category of each reason, no personal data.
REASON_CATEGORIES = {
    "departed": "status", "certificate_revoked": "status", "identity_unverified": "identity",
    "health_missing": "health", "health_unverified": "health", "health_expiring": "health", "health_expired": "health",
    "insurance_missing": "insurance", "insurance_unverified": "insurance", "insurance_expiring": "insurance",
    "insurance_expired": "insurance",
}


@dataclass(frozen=True)
class StatusCode:
    colour: str
    reasons: tuple[str, ...]
    # The last day this colour holds by itself (a verified record turns "expiring" or runs out after it).
    valid_until: dt.date | None
    # Words of reasons other domains gave (their codes are theirs to name).
    other_words: dict[str, str] = field(default_factory=dict)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(REASON_CATEGORIES.get(r, "service") for r in self.reasons))

    def reason_words(self) -> list[str]:
        """Each reason in words the worker can act on."""
        words = messages.status_reason_labels()
        return [self.other_words.get(r) or words.get(r, r) for r in self.reasons]


def _category(worker_id: int, category: str, today: dt.date) -> tuple[str | None, str | None]:
    """(colour, reason) for one of health / insurance, or (None, None) when it stands green."""
    standing = records.category_standing(worker_id, category, today)
    if standing.expired:
        return RED, f"{category}_expired"
    if not standing.any_record:
        return YELLOW, f"{category}_missing"
    if not standing.verified_valid:
        return YELLOW, f"{category}_unverified"
    if standing.expiring:
        return YELLOW, f"{category}_expiring"
    return None, None


def compute(worker_id: int, today: dt.date | None = None) -> StatusCode:
    """The worker's status code now; NotFound for an account that is not (or no longer) a worker."""
    worker = db.session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(_("This worker does not exist."), code="worker_not_found")
    today = today or clock.china_today()
    found: list[tuple[str, str]] = []
    if effective_status(worker) == WorkStatus.DEPARTED.value:
        found.append((RED, "departed"))
    latest = db.session.scalar(sa.select(Certificate).where(Certificate.worker_id == worker_id)
                               .order_by(Certificate.id.desc()).limit(1))
    if latest is not None and latest.revoked_at is not None:
        found.append((RED, "certificate_revoked"))
    if worker.identity_verified_at is None:
        found.append((YELLOW, "identity_unverified"))
    for category in ("health", "insurance"):
        colour, reason = _category(worker_id, category, today)
        if colour:
            found.append((colour, reason))
    other_words: dict[str, str] = {}
    for _receiver, concerns in signals.worker_status_concerns.send(worker_id):
        for colour, reason, words in concerns or ():
            found.append((colour, reason))
            other_words[reason] = words
    colour = RED if any(c == RED for c, _r in found) else YELLOW if found else GREEN
    return StatusCode(colour, tuple(dict.fromkeys(r for _c, r in found)), _holds_until(worker_id, today, colour),
                      other_words)


def _holds_until(worker_id: int, today: dt.date, colour: str) -> dt.date | None:
    """When the colour changes by the calendar alone: green turns yellow 30 days before a verified expiry."""
    if colour != GREEN:
        return None
    # Green means each category has a verified record still valid; the best of each decides.
    ends = [max(r.expires_on for r in records.records_of(worker_id, category)
                if r.state == "verified" and r.expires_on and r.expires_on >= today) for category in ("health", "insurance")]
    return min(ends) - dt.timedelta(days=records.EXPIRING_DAYS + 1)
