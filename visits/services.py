"""Home visits confirmed at the door (确认入户) and the one rating each ended visit allows.

A visit starts when the household, having scanned the worker's certificate
at the door, asks to confirm entry, and the worker confirms on their phone
within VISIT_CONFIRM_MINUTES. Either ends it. Only an ended visit can be
rated, once, by its household; ratings are shown only as aggregates with
counts, so nobody can review a worker they never had in their home.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from registry.accounts.models import Account, Role
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.core.idnumbers import mask_name
from visits.models import MAX_AREA_LENGTH, MAX_COMMENT_LENGTH, RATING_TAGS, HomeVisit, VisitRating, VisitState
from workers.certificates import services as certificates
from workers.certificates.models import Certificate
from workers.models import Affiliation, AffiliationState, WorkStatus

HOUSEHOLD = Role.CONSUMER.value
WORKER = Role.WORKER.value


def _minutes(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(minutes=int(current_app.config.get(name, default)))


def confirmed_enterprises(worker_id: int) -> list[int]:
    """The enterprises a worker may be visiting for: their confirmed affiliations, oldest first."""
    return list(db.session.scalars(sa.select(Affiliation.enterprise_id).where(
        Affiliation.worker_id == worker_id, Affiliation.state == AffiliationState.CONFIRMED.value)
        .order_by(Affiliation.id)))


def _expire_if_due(visit: HomeVisit) -> HomeVisit:
    if visit.state == VisitState.REQUESTED.value and visit.confirm_by <= clock.now():
        visit.state = VisitState.EXPIRED.value
    return visit


def request_entry(household: Account, scanned: str, enterprise_id: int | None = None,
                  area: str | None = None) -> HomeVisit:
    """The household at the door: the scanned certificate names the worker; the worker must confirm.

    ScanRefused (422) for a bad or revoked certificate; departed workers and
    one's own certificate are refused; a second request while one is waiting
    returns it. enterprise_id must be one of the worker's confirmed
    enterprises (the only one is taken when not given).
    """
    if household.role != HOUSEHOLD:
        raise Forbidden(_("Only households confirm a worker's entry."), code="role_cannot_confirm_entry")
    return request_entry_at(household, certificates.resolve(scanned), enterprise_id, area)


def request_entry_at(household: Account, certificate: Certificate, enterprise_id: int | None = None,
                     area: str | None = None) -> HomeVisit:
    """request_entry for a certificate the household has just scanned (the scan page's 确认入户 button)."""
    if household.role != HOUSEHOLD:
        raise Forbidden(_("Only households confirm a worker's entry."), code="role_cannot_confirm_entry")
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate has been revoked."), code="certificate_revoked")
    if certificate.worker_id == household.id:
        raise Conflict(_("This is your own certificate."), code="own_certificate")
    if certificates.worker_status(certificate) != WorkStatus.ACTIVE.value:
        raise Conflict(_("This worker has not checked in for more than 30 days and cannot be confirmed."),
                       code="worker_departed")
    area = (area or "").strip() or None
    if area is not None and len(area) > MAX_AREA_LENGTH:
        raise DomainError(_("The area is too long; name the district only."), code="area_too_long", status=422,
                          fields={"area": [_("At most %(count)s characters.", count=MAX_AREA_LENGTH)]})
    enterprises = confirmed_enterprises(certificate.worker_id)
    if enterprise_id is None:
        enterprise_id = enterprises[0] if len(enterprises) == 1 else None
        if len(enterprises) > 1:
            raise DomainError(_("This worker works for several enterprises; choose the one they came for."),
                              code="enterprise_required", status=422,
                              fields={"enterprise_id": [_("Choose the enterprise.")]})
    elif enterprise_id not in enterprises:
        raise DomainError(_("This worker is not a confirmed worker of that enterprise."),
                          code="not_the_workers_enterprise", status=422,
                          fields={"enterprise_id": [_("Not one of the worker's enterprises.")]})
    now = clock.now()
    waiting = db.session.scalars(sa.select(HomeVisit).where(
        HomeVisit.household_id == household.id, HomeVisit.worker_id == certificate.worker_id,
        HomeVisit.state.in_((VisitState.REQUESTED.value, VisitState.STARTED.value)))
        .order_by(HomeVisit.id.desc())).all()
    for visit in waiting:
        if _expire_if_due(visit).state != VisitState.EXPIRED.value:
            return visit  # tapping twice asks once; a visit already under way is the one shown
    visit = HomeVisit(household_id=household.id, worker_id=certificate.worker_id, enterprise_id=enterprise_id,
                      certificate_id=certificate.id, area=area, requested_at=now,
                      confirm_by=now + _minutes("VISIT_CONFIRM_MINUTES", 10))
    db.session.add(visit)
    db.session.flush()
    audit.record("visit.requested", subject_id=visit.worker_id, actor_id=household.id, visit_id=visit.id)
    worker = db.session.get(Account, visit.worker_id)
    notify_by_sms(worker.phone, f"{current_app.config['SMS_SIGNATURE']}{mask_name(household.name)}请您确认入户，"
                                f"请在{int(_minutes('VISIT_CONFIRM_MINUTES', 10).total_seconds() // 60)}"
                                "分钟内登录平台确认。", worker.id)
    return visit


def _own_visit(account: Account, visit_id: int) -> HomeVisit:
    """A visit of this household or this worker; others' visits answer 404 alike."""
    visit = db.session.get(HomeVisit, visit_id)
    if visit is None or account.id not in (visit.household_id, visit.worker_id):
        raise NotFound(_("This visit does not exist."), code="visit_not_found")
    return _expire_if_due(visit)


def get_visit(account: Account, visit_id: int) -> HomeVisit:
    return _own_visit(account, visit_id)


def _as_worker(worker: Account, visit_id: int, *states: str) -> HomeVisit:
    visit = _own_visit(worker, visit_id)
    if visit.worker_id != worker.id:
        raise Forbidden(_("Only the worker confirms their own entry."), code="not_the_visits_worker")
    if visit.state not in states:
        raise Conflict(_visit_state_message(visit), code=f"visit_{visit.state}")
    return visit


def _visit_state_message(visit: HomeVisit) -> str:
    return {VisitState.REQUESTED.value: _("The worker has not confirmed this visit yet."),
            VisitState.STARTED.value: _("This visit is under way."),
            VisitState.ENDED.value: _("This visit has ended."),
            VisitState.DECLINED.value: _("The worker said this visit is not theirs."),
            VisitState.EXPIRED.value: _("The worker did not confirm in time; scan the certificate again.")}[
        visit.state]


def confirm_entry(worker: Account, visit_id: int) -> HomeVisit:
    """The worker confirms they are at this household's door: the visit starts."""
    visit = _as_worker(worker, visit_id, VisitState.REQUESTED.value)
    visit.state, visit.started_at = VisitState.STARTED.value, clock.now()
    db.session.flush()
    audit.record("visit.started", subject_id=worker.id, actor_id=worker.id, visit_id=visit.id)
    return visit


def decline_entry(worker: Account, visit_id: int) -> HomeVisit:
    """Not me at that door: the request ends and nothing can be rated or complained about."""
    visit = _as_worker(worker, visit_id, VisitState.REQUESTED.value)
    visit.state = VisitState.DECLINED.value
    db.session.flush()
    audit.record("visit.declined", subject_id=worker.id, actor_id=worker.id, visit_id=visit.id)
    return visit


def end_visit(account: Account, visit_id: int) -> HomeVisit:
    """The household or the worker ends a visit under way."""
    visit = _own_visit(account, visit_id)
    if visit.state != VisitState.STARTED.value:
        raise Conflict(_visit_state_message(visit), code=f"visit_{visit.state}")
    visit.state, visit.ended_at = VisitState.ENDED.value, clock.now()
    visit.ended_by = "worker" if account.id == visit.worker_id else "household"
    db.session.flush()
    audit.record("visit.ended", subject_id=visit.worker_id, actor_id=account.id, visit_id=visit.id)
    return visit


def visits_of(account: Account, limit: int = 50) -> list[HomeVisit]:
    """A household's or a worker's own visits, newest first."""
    column = HomeVisit.worker_id if account.role == WORKER else HomeVisit.household_id
    return [_expire_if_due(v) for v in db.session.scalars(
        sa.select(HomeVisit).where(column == account.id).order_by(HomeVisit.id.desc()).limit(limit))]


def waiting_for_worker(worker: Account) -> list[HomeVisit]:
    """Entry requests the worker has not answered yet (their live prompt)."""
    now = clock.now()
    return list(db.session.scalars(sa.select(HomeVisit).where(
        HomeVisit.worker_id == worker.id, HomeVisit.state == VisitState.REQUESTED.value,
        HomeVisit.confirm_by > now).order_by(HomeVisit.id)))


@dataclass
class EnterpriseVisits:
    """An enterprise's view of its workers' visits: counts and dates, never the households."""

    started: int
    ended: int
    by_worker: list[dict] = field(default_factory=list)


def enterprise_visits(enterprise_id: int, since: dt.datetime | None = None) -> EnterpriseVisits:
    query = sa.select(HomeVisit.worker_id, HomeVisit.state, HomeVisit.started_at).where(
        HomeVisit.enterprise_id == enterprise_id,
        HomeVisit.state.in_((VisitState.STARTED.value, VisitState.ENDED.value)))
    if since is not None:
        query = query.where(HomeVisit.started_at >= since)
    rows = db.session.execute(query.order_by(HomeVisit.started_at.desc())).all()
    workers: dict[int, dict] = {}
    for worker_id, _state, started_at in rows:
        entry = workers.setdefault(worker_id, {"worker_id": worker_id, "visits": 0, "dates": []})
        entry["visits"] += 1
        if len(entry["dates"]) < 10:
            entry["dates"].append(started_at)
    names = dict(db.session.execute(sa.select(Account.id, Account.name).where(Account.id.in_(list(workers)))).all())
    for entry in workers.values():
        entry["name"] = names.get(entry["worker_id"], "")
    states = Counter(state for _, state, _ in rows)
    return EnterpriseVisits(states[VisitState.STARTED.value], states[VisitState.ENDED.value],
                            sorted(workers.values(), key=lambda e: -e["visits"]))


# --- ratings -------------------------------------------------------------------

def rate_visit(household: Account, visit_id: int, stars: int, tags: list[str] | tuple[str, ...] = (),
               comment: str | None = None) -> VisitRating:
    """The household's one rating of an ended visit (1-5 stars, tags, an optional comment)."""
    visit = _own_visit(household, visit_id)
    if visit.household_id != household.id:
        raise Forbidden(_("Only the household of a visit rates it."), code="not_the_visits_household")
    if visit.state != VisitState.ENDED.value:
        raise Conflict(_("A visit can be rated once it has ended."), code="visit_not_ended")
    if not 1 <= int(stars) <= 5:
        raise DomainError(_("Give 1 to 5 stars."), code="invalid_stars", status=422,
                          fields={"stars": [_("Give 1 to 5 stars.")]})
    unknown = [tag for tag in tags if tag not in RATING_TAGS]
    if unknown:
        raise DomainError(_("Unknown tag."), code="invalid_tag", status=422, fields={"tags": [_("Unknown tag.")]})
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        raise DomainError(_("The comment is too long."), code="comment_too_long", status=422,
                          fields={"comment": [_("At most %(count)s characters.", count=MAX_COMMENT_LENGTH)]})
    rating = VisitRating(visit_id=visit.id, worker_id=visit.worker_id, enterprise_id=visit.enterprise_id,
                         stars=int(stars), tags=",".join(dict.fromkeys(tags)), comment=comment,
                         created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError:
        raise Conflict(_("You have already rated this visit."), code="already_rated") from None
    audit.record("visit.rated", subject_id=visit.worker_id, actor_id=household.id, visit_id=visit.id)
    return rating


def rating_of(visit: HomeVisit) -> VisitRating | None:
    return db.session.scalar(sa.select(VisitRating).where(VisitRating.visit_id == visit.id))


@dataclass(frozen=True)
class RatingSummary:
    """Ratings as the public and households see them: a count, the average and tag counts, no single rating."""

    count: int
    average: float | None
    stars: dict[int, int]
    tags: dict[str, int]


def rating_summary(*, worker_id: int | None = None, enterprise_id: int | None = None) -> RatingSummary:
    column = VisitRating.worker_id if worker_id is not None else VisitRating.enterprise_id
    owner = worker_id if worker_id is not None else enterprise_id
    rows = db.session.execute(sa.select(VisitRating.stars, VisitRating.tags).where(column == owner)).all()
    stars = Counter(s for s, _ in rows)
    tags = Counter(tag for _, text in rows for tag in text.split(",") if tag)
    average = round(sum(s * n for s, n in stars.items()) / len(rows), 1) if rows else None
    return RatingSummary(len(rows), average, {s: stars.get(s, 0) for s in range(5, 0, -1)},
                         {tag: tags[tag] for tag in RATING_TAGS if tags.get(tag)})


def delete_visits(account: Account) -> None:
    """Account deletion: the person's visits go with them (ratings and complaints by cascade).

    A household's deletion takes its ratings out of a worker's aggregates; a
    worker's takes everything about them.
    """
    db.session.execute(sa.delete(HomeVisit).where(
        sa.or_(HomeVisit.household_id == account.id, HomeVisit.worker_id == account.id)))
