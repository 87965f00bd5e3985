"""Per-view grants (刷脸授权 to a household) and the log of every read under them.

A grant is what a worker's face-confirmed approval creates: which sections of
the worker's credit data one household may see, until when. The worker
chooses both; the operator caps the duration. A grant ends before its time
when its basis ends (the worker withdraws it or the authorization letter,
departs, loses the certificate, is barred): the end is written in the same
transaction as the event, the household is told, and no read is served after.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from consent import messages
from consent.models import DataAccess, ViewGrant
from registry.accounts.models import Account
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import DomainError, Gone, NotFound
from registry.core.extensions import db
from registry.core.idnumbers import mask_name

# The sections a household may be shown; a grant lists the ones it covers.
SCOPES = ("basic", "identity", "work_history", "training", "insurance_health", "service_feedback",
          "background_check", "tax", "bank_credit")
# What the approval screen ticks by default; the other sections are each the worker's explicit choice.
DEFAULT_SCOPES = ("basic", "identity", "work_history", "training", "insurance_health", "service_feedback")
# Durations offered on the approval screen, in hours ("until a date" is the other choice).
DURATION_HOURS = (2, 24, 168)

# Why a grant ended early, and who ends it. Expiry is not an ending: `valid_until` says it.
END_REASONS = ("revoked", "consent_withdrawn", "departed", "certificate_revoked", "barred", "account_deleted")


def max_duration() -> dt.timedelta:
    """The longest grant a worker may give (the operator's setting)."""
    return dt.timedelta(hours=float(current_app.config["VIEW_GRANT_MAX_HOURS"]))


def check_choice(scopes: list[str] | tuple[str, ...], until: dt.datetime, now: dt.datetime) -> tuple[str, ...]:
    """The worker's choice of sections and end, or a named refusal (nothing is written before this passes)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise DomainError(_("Unknown data sections."), code="unknown_scope", status=422,
                          fields={"scopes": [_("Unknown data sections.")]})
    if not scopes:
        raise DomainError(_("Choose at least one section to share."), code="no_scope", status=422,
                          fields={"scopes": [_("Choose at least one section to share.")]})
    if until <= now:
        raise DomainError(_("The end of the authorization must be in the future."), code="until_past", status=422,
                          fields={"until": [_("The end of the authorization must be in the future.")]})
    if until - now > max_duration() + dt.timedelta(minutes=1):
        hours = int(max_duration().total_seconds() // 3600)
        message = _("An authorization may last at most %(hours)s hours.", hours=hours)
        raise DomainError(message, code="duration_too_long", status=422, fields={"until": [message]})
    return tuple(scope for scope in SCOPES if scope in scopes)  # canonical order, no repeats


def create_grant(worker: Account, consumer: Account, face_check_id: int, scopes: list[str] | tuple[str, ...],
                 until: dt.datetime) -> ViewGrant:
    """Record an approval; the face check must already be claimed for purpose view_approval."""
    now = clock.now()
    chosen = check_choice(scopes, until, now)
    grant = ViewGrant(worker_id=worker.id, consumer_id=consumer.id, scopes=",".join(chosen), valid_from=now,
                      valid_until=until, face_check_id=face_check_id)
    db.session.add(grant)
    db.session.flush()
    audit.record("grant.created", subject_id=worker.id, actor_id=worker.id, grant_id=grant.id,
                 consumer_id=consumer.id, scopes=list(chosen), until=until.isoformat())
    return grant


def is_live(grant: ViewGrant, now: dt.datetime | None = None) -> bool:
    return grant.ended_at is None and (now or clock.now()) < grant.valid_until


def ended_message(grant: ViewGrant) -> tuple[str, str]:
    """(code, words) for a grant that is no longer live: why the household sees nothing now."""
    if grant.ended_at is not None:
        reason = grant.end_reason or "revoked"
        return f"grant_{reason}", messages.end_reason_message(reason)
    return "grant_expired", messages.expired_message()


def refuse_ended(grant: ViewGrant) -> None:
    """410 with the named reason if the grant is not live."""
    if not is_live(grant):
        code, message = ended_message(grant)
        raise Gone(message, code=code)


def grant_for_reader(grant_id: int, consumer: Account) -> ViewGrant:
    """The consumer's own grant, live or not (another's id answers not found)."""
    grant = db.session.get(ViewGrant, grant_id)
    if grant is None or grant.consumer_id != consumer.id:
        raise NotFound(_("This authorization does not exist."), code="grant_not_found")
    return grant


def live_grant_for_reader(grant_id: int, consumer: Account) -> ViewGrant:
    """The consumer's grant if it is live: ended and expired grants answer 410 with their reason.

    This checks the grant's own state; the reader (consumers.credit_view) also checks the worker's
    standing on every read, so a departure not yet written by the sweep already stops the data.
    """
    grant = grant_for_reader(grant_id, consumer)
    refuse_ended(grant)
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


def _own_grant(worker: Account, grant_id: int) -> ViewGrant:
    grant = db.session.get(ViewGrant, grant_id)
    if grant is None or grant.worker_id != worker.id:
        raise NotFound(_("This authorization does not exist."), code="grant_not_found")
    return grant


def revoke_grant(worker: Account, grant_id: int) -> ViewGrant:
    """The worker withdraws a grant; the household is refused from the next request on."""
    grant = _own_grant(worker, grant_id)
    if is_live(grant):
        grant.ended_at, grant.end_reason = clock.now(), "revoked"
        audit.record("grant.revoked", subject_id=worker.id, actor_id=worker.id, grant_id=grant.id)
    return grant


def narrow_grant(worker: Account, grant_id: int, scopes: list[str], until: dt.datetime | None) -> ViewGrant:
    """The worker shares fewer sections, or for less time; widening needs a new scan and approval."""
    grant = _own_grant(worker, grant_id)
    refuse_ended(grant)
    now = clock.now()
    until = until or grant.valid_until
    chosen = check_choice(scopes, until, now)
    if not set(chosen) <= set(grant.scope_list) or until > grant.valid_until:
        raise DomainError(_("An authorization can only be narrowed; to share more, approve a new request."),
                          code="grant_widened", status=422)
    grant.scopes, grant.valid_until = ",".join(chosen), until
    audit.record("grant.narrowed", subject_id=worker.id, actor_id=worker.id, grant_id=grant.id,
                 scopes=list(chosen), until=until.isoformat())
    return grant


def end_grants(worker_ids: sa.Select, reason: str) -> int:
    """End every live grant of these workers at once, for `reason`; each household is told by SMS.

    `worker_ids` is a SELECT of account ids, so the departure sweep ends the grants of a whole batch in
    one statement. Runs in the caller's transaction: the end commits with the event that caused it.
    """
    if reason not in END_REASONS:
        raise ValueError(f"unknown grant end reason {reason!r}")
    now = clock.now()
    live = sa.select(ViewGrant.id).where(ViewGrant.worker_id.in_(worker_ids), ViewGrant.ended_at.is_(None),
                                         ViewGrant.valid_until > now)
    ended = db.session.execute(sa.select(ViewGrant.id, ViewGrant.worker_id, Account.phone, Account.id)
                               .join(Account, Account.id == ViewGrant.consumer_id)
                               .where(ViewGrant.id.in_(live))).all()
    if not ended:
        return 0
    db.session.execute(sa.update(ViewGrant).where(ViewGrant.id.in_([row[0] for row in ended]))
                       .values(ended_at=now, end_reason=reason).execution_options(synchronize_session="evaluate"))
    signature = current_app.config["SMS_SIGNATURE"]
    for grant_id, worker_id, phone, consumer_id in ended:
        audit.record("grant.ended", subject_id=worker_id, grant_id=grant_id, reason=reason)
        notify_by_sms(phone, f"{signature}您对一位家政服务员信用信息的查看授权已结束，"
                             f"详情请登录平台“我的查看”。", consumer_id)
    return len(ended)


def end_worker_grants(worker: Account, reason: str) -> int:
    return end_grants(sa.select(sa.literal(worker.id)), reason)


def on_standing_ended(reason: str, *, worker_ids: sa.Select) -> None:
    """signals.worker_standing_ended: departure, certificate revocation or a bar ends the grants."""
    end_grants(worker_ids, reason)


def delete_grants(account: Account) -> None:
    """Grants given or held by a deleted account go with it (reads cascade); households holding a live
    grant of a worker who deletes the account are told first."""
    end_worker_grants(account, "account_deleted")
    ids = sa.select(ViewGrant.id).where(sa.or_(ViewGrant.worker_id == account.id,
                                               ViewGrant.consumer_id == account.id))
    db.session.execute(sa.delete(DataAccess).where(DataAccess.grant_id.in_(ids)))
    db.session.execute(sa.delete(ViewGrant).where(sa.or_(ViewGrant.worker_id == account.id,
                                                         ViewGrant.consumer_id == account.id)))


def masked_consumer_name(grant: ViewGrant) -> str:
    consumer = db.session.get(Account, grant.consumer_id)
    return mask_name(consumer.name) if consumer else ""
