"""Per-view grants (刷脸授权 to a household) and the log of every read under them.

A grant is what a worker's face-confirmed approval creates: which household
may see which sections of the worker's credit data, from when until when.
It is revocable at once, and each read under it is logged for the worker.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from consent.models import DataAccess, ViewGrant
from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import DomainError, Forbidden, NotFound
from registry.core.extensions import db

# The sections a household may be shown; a grant lists the ones it covers.
SCOPES = ("basic", "identity", "work_history", "training", "insurance_health", "background_check", "tax",
          "bank_credit")


def grant_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config.get("VIEW_GRANT_HOURS", 24)))


def create_grant(worker: Account, consumer: Account, face_check_id: int, scopes: tuple[str, ...] = SCOPES
                 ) -> ViewGrant:
    """Record an approval; the face check must already be claimed for purpose view_approval."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise DomainError(_("Unknown data sections."), code="unknown_scope", status=422)
    now = clock.now()
    grant = ViewGrant(worker_id=worker.id, consumer_id=consumer.id, scopes=",".join(scopes), valid_from=now,
                      valid_until=now + grant_lifetime(), face_check_id=face_check_id)
    db.session.add(grant)
    db.session.flush()
    audit.record("grant.created", subject_id=worker.id, actor_id=worker.id, grant_id=grant.id,
                 consumer_id=consumer.id)
    return grant


def live_grant_for_reader(grant_id: int, consumer: Account) -> ViewGrant:
    """The consumer's grant if it is live; refuses other people's ids, expired and revoked grants."""
    grant = db.session.get(ViewGrant, grant_id)
    if grant is None or grant.consumer_id != consumer.id:
        raise NotFound(_("This authorization does not exist."), code="grant_not_found")
    now = clock.now()
    if grant.revoked_at is not None:
        raise Forbidden(_("The worker has withdrawn this authorization."), code="grant_revoked")
    if now >= grant.valid_until:
        raise Forbidden(_("This authorization has expired; scan the certificate again to ask anew."),
                        code="grant_expired")
    return grant


def record_read(grant: ViewGrant, sections: list[str]) -> None:
    """Log a read of sections under a grant, for the worker and the audit chain."""
    now = clock.now()
    for section in sections:
        db.session.add(DataAccess(grant_id=grant.id, section=section, accessed_at=now))
    audit.record("grant.read", subject_id=grant.worker_id, actor_id=grant.consumer_id, grant_id=grant.id,
                 sections=sections)


def grants_of_worker(worker: Account) -> list[ViewGrant]:
    """Every grant a worker gave, newest first."""
    return list(db.session.scalars(sa.select(ViewGrant).where(ViewGrant.worker_id == worker.id)
                                   .order_by(ViewGrant.id.desc())))


def grants_of_consumer(consumer: Account) -> list[ViewGrant]:
    """Every grant a household holds, newest first."""
    return list(db.session.scalars(sa.select(ViewGrant).where(ViewGrant.consumer_id == consumer.id)
                                   .order_by(ViewGrant.id.desc())))


def reads_of(grant: ViewGrant) -> list[DataAccess]:
    """The reads made under a grant, newest first."""
    return list(db.session.scalars(sa.select(DataAccess).where(DataAccess.grant_id == grant.id)
                                   .order_by(DataAccess.id.desc())))


def revoke_grant(worker: Account, grant_id: int) -> ViewGrant:
    """The worker withdraws a grant; the household is refused from the next request on."""
    grant = db.session.get(ViewGrant, grant_id)
    if grant is None or grant.worker_id != worker.id:
        raise NotFound(_("This authorization does not exist."), code="grant_not_found")
    if grant.revoked_at is None:
        grant.revoked_at = clock.now()
        audit.record("grant.revoked", subject_id=worker.id, actor_id=worker.id, grant_id=grant.id)
    return grant


def delete_grants(account: Account) -> None:
    """Grants given or held by a deleted account go with it (reads cascade)."""
    ids = sa.select(ViewGrant.id).where(sa.or_(ViewGrant.worker_id == account.id,
                                               ViewGrant.consumer_id == account.id))
    db.session.execute(sa.delete(DataAccess).where(DataAccess.grant_id.in_(ids)))
    db.session.execute(sa.delete(ViewGrant).where(sa.or_(ViewGrant.worker_id == account.id,
                                                         ViewGrant.consumer_id == account.id)))
