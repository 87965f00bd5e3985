"""Disputes (异议, PIPL art. 46): a worker contests one record held about them, an operator decides.

A record is referenced as (kind, record_id): a feed entry (`registry.feeds`
feed_record: background check, tax, bank credit), an enterprise's decision on
an affiliation (`workers` worker_affiliation, confirmed or ended) or a saved
profile section (`workers.profile` worker_profile_version, the current one).
A record that does not exist and one of someone else answer alike (404), so
nobody learns which ids exist. Until an operator decides, the record carries
the 有异议 mark for every viewer (`open_disputes_of`, `disputed_label`).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from disputes import messages
from disputes.models import FEED_KINDS, MAX_REASON_LENGTH, OUTCOMES, RECORD_KINDS, Dispute, DisputeState
from registry.accounts.models import Account, Role
from registry.accounts.sms import notify_by_sms
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from registry.core.pagination import Page, paginate
from registry.enterprises.models import Enterprise
from registry.feeds import services as feeds
from registry.feeds.models import FeedRecord
from registry.web.presenting import Facts, moment, text
from visits import messages as visit_messages
from visits.models import UPHOLDING, Complaint
from workers import messages as worker_messages
from workers import services as workers
from workers.models import Affiliation, AffiliationState
from workers.profile import presenting as profile_presenting
from workers.profile.models import ProfileVersion
from workers.profile.services import SECTIONS

# An enterprise's decision is a record about the worker once it confirmed or ended the affiliation.
DISPUTABLE_AFFILIATION_STATES = (AffiliationState.CONFIRMED.value, AffiliationState.ENDED.value)
# Profile sections in the order the profile pages list them.
PROFILE_ORDER = {section: index for index, section in enumerate(SECTIONS)}


@dataclass(frozen=True)
class Record:
    """One record about a worker, described in words.

    `disputable` is False for an own record nobody is shown as a record any
    more (a superseded profile version, a claim the enterprise never
    confirmed); `disputed` when a dispute about it is open; `content` is what
    the record says (filled for the operator deciding).
    """

    kind: str
    record_id: int
    kind_label: str
    description: str
    disputable: bool = True
    disputed: bool = False
    content: dict | None = None
    blocks: list = field(default_factory=list)  # the content in words (registry.web.presenting blocks)


@dataclass
class DisputeItem:
    """A dispute with its record in words (and, for operators, whose it is)."""

    dispute: Dispute
    record: Record
    worker_name: str | None = None

    @property
    def state_label(self) -> str:
        return messages.state_label(self.dispute.state)


def disputed_label() -> str:
    """The mark a record with an open dispute carries for every viewer (有异议)."""
    return messages.disputed_label()


# --- records -----------------------------------------------------------------

def _china_day(moment: dt.datetime | None) -> dt.date | None:
    return workers.china_date(moment) if moment else None


def _feed_record(row: FeedRecord) -> Record:
    return Record(row.kind, row.id, messages.kind_label(row.kind),
                  messages.describe_feed(row.source, row.as_of))


def _affiliation_record(affiliation: Affiliation, enterprise: Enterprise) -> Record:
    ended = affiliation.state == AffiliationState.ENDED.value
    day = _china_day(affiliation.ended_at if ended else affiliation.decided_at)
    return Record("affiliation", affiliation.id, messages.kind_label("affiliation"),
                  messages.describe_affiliation(enterprise.name, affiliation.state, day),
                  disputable=affiliation.state in DISPUTABLE_AFFILIATION_STATES)


def _profile_record(version: ProfileVersion) -> Record:
    return Record("profile", version.id, messages.kind_label("profile"),
                  messages.describe_profile(version.section, version.version, _china_day(version.created_at)),
                  disputable=version.current)


def _complaint_record(complaint: Complaint) -> Record:
    return Record("complaint", complaint.id, messages.kind_label("complaint"),
                  messages.describe_complaint(visit_messages.category_label(complaint.category),
                                              visit_messages.outcome_label(complaint.outcome),
                                              _china_day(complaint.closed_at)))


def _own_complaint(account: Account, record_id: int) -> Complaint | None:
    """A closed complaint about one of the worker's visits that counts against them (upheld, partly)."""
    complaint = db.session.get(Complaint, record_id)
    if complaint is None or complaint.worker_id != account.id or complaint.outcome not in UPHOLDING:
        return None
    return complaint


def _own_feed(account: Account, kind: str, record_id: int) -> FeedRecord | None:
    row = db.session.get(FeedRecord, record_id)
    if row is None or row.kind != kind or not account.id_number_hash or row.id_number_hash != account.id_number_hash:
        return None
    return row


def _own_affiliation(account: Account, record_id: int) -> tuple[Affiliation, Enterprise] | None:
    affiliation = db.session.get(Affiliation, record_id)
    if affiliation is None or affiliation.worker_id != account.id:
        return None
    return affiliation, db.session.get(Enterprise, affiliation.enterprise_id)


def _own_profile_version(account: Account, record_id: int) -> ProfileVersion | None:
    version = db.session.get(ProfileVersion, record_id)
    if version is None or version.worker_id != account.id:
        return None
    return version


def find_record(account: Account, kind: str, record_id: int) -> Record | None:
    """The account's own record of this kind and id, in words; None when it is missing or someone else's."""
    if kind in FEED_KINDS:
        row = _own_feed(account, kind, record_id)
        return _feed_record(row) if row else None
    if kind == "affiliation":
        found = _own_affiliation(account, record_id)
        return _affiliation_record(*found) if found else None
    if kind == "profile":
        version = _own_profile_version(account, record_id)
        return _profile_record(version) if version else None
    if kind == "complaint":
        complaint = _own_complaint(account, record_id)
        return _complaint_record(complaint) if complaint else None
    return None


def _record_content(account: Account, record: Record) -> dict | None:
    """What the record says, as its viewers are shown it (feeds without entries past retention)."""
    if record.kind in FEED_KINDS:
        view = feeds.person_feed(account, record.kind)
        return view.data if view else None
    if record.kind == "affiliation":
        affiliation, enterprise = _own_affiliation(account, record.record_id)
        return {"enterprise": enterprise.name, "credit_code": enterprise.credit_code, "state": affiliation.state,
                "claimed_at": affiliation.claimed_at.isoformat(),
                "decided_at": affiliation.decided_at.isoformat() if affiliation.decided_at else None,
                "ended_at": affiliation.ended_at.isoformat() if affiliation.ended_at else None}
    if record.kind == "complaint":
        complaint = _own_complaint(account, record.record_id)
        return {"category": complaint.category, "against": complaint.against, "description": complaint.description,
                "response": complaint.response, "worker_reply": complaint.worker_reply,
                "outcome": complaint.outcome, "outcome_note": complaint.outcome_note}
    version = _own_profile_version(account, record.record_id)
    return json.loads(version.content)


def _record_blocks(account: Account, record: Record, content: dict | None) -> list:
    """What the record says in words, for the records that have a presentation (feeds are shown labelled)."""
    if content is None or record.kind in FEED_KINDS:
        return []
    if record.kind == "affiliation":
        return [Facts(messages.kind_label("affiliation"), [
            (_("Enterprise"), content["enterprise"]), (_("Unified social credit code"), content["credit_code"]),
            (_("State"), worker_messages.affiliation_label(content["state"])),
            (_("Claimed at"), moment(content["claimed_at"])), (_("Decided at"), moment(content["decided_at"])),
            (_("Ended at"), moment(content["ended_at"]))])]
    if record.kind == "complaint":
        return [Facts(messages.kind_label("complaint"), [
            (_("Category"), visit_messages.category_label(content["category"])),
            (_("About"), visit_messages.against_labels()[content["against"]]),
            (_("Complaint"), content["description"]), (_("The enterprise's answer"), text(content["response"])),
            (_("The worker's side"), text(content["worker_reply"])),
            (_("Outcome"), visit_messages.outcome_label(content["outcome"])),
            (_("Decision"), text(content["outcome_note"]))])]
    version = _own_profile_version(account, record.record_id)
    return profile_presenting.section_blocks(version.section, content)


def disputable_records(account: Account) -> list[Record]:
    """Every record a worker may dispute now, in words, each marked when a dispute about it is open."""
    _require_worker(account)
    records: list[Record] = []
    if account.id_number_hash:
        rows = db.session.scalars(sa.select(FeedRecord).where(FeedRecord.id_number_hash == account.id_number_hash)
                                  .order_by(FeedRecord.id))
        order = {kind: index for index, kind in enumerate(FEED_KINDS)}
        records += sorted((_feed_record(row) for row in rows if row.kind in order), key=lambda r: order[r.kind])
    affiliations = db.session.execute(
        sa.select(Affiliation, Enterprise).join(Enterprise, Enterprise.id == Affiliation.enterprise_id)
        .where(Affiliation.worker_id == account.id, Affiliation.state.in_(DISPUTABLE_AFFILIATION_STATES))
        .order_by(Affiliation.claimed_at.desc(), Affiliation.id)).all()
    records += [_affiliation_record(a, e) for a, e in affiliations]
    versions = db.session.scalars(sa.select(ProfileVersion).where(
        ProfileVersion.worker_id == account.id, ProfileVersion.current.is_(True)).order_by(ProfileVersion.id)).all()
    records += [_profile_record(v) for v in sorted(versions, key=lambda v: PROFILE_ORDER.get(v.section, 99))]
    complaints = db.session.scalars(sa.select(Complaint).where(
        Complaint.worker_id == account.id, Complaint.outcome.in_(UPHOLDING)).order_by(Complaint.id)).all()
    records += [_complaint_record(c) for c in complaints]
    disputed = open_disputes_of(account.id)
    return [replace(r, disputed=(r.kind, r.record_id) in disputed) for r in records]


# --- the rules ---------------------------------------------------------------

def _require_worker(account: Account) -> None:
    if account.role != Role.WORKER.value:
        raise Forbidden(_("Only domestic worker accounts can do this."), code="not_a_worker")


def _require_operator(account: Account) -> None:
    if account.role != Role.ADMIN.value:
        raise Forbidden(_("Only platform operators decide disputes."), code="not_an_operator")


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        message = _("Write the reason.")
        raise DomainError(message, code="reason_required", status=422, fields={"reason": [message]})
    if len(text) > MAX_REASON_LENGTH:
        message = _("Write at most %(count)d characters.", count=MAX_REASON_LENGTH)
        raise DomainError(message, code="reason_too_long", status=422, fields={"reason": [message]})
    return text


def _already_open() -> Conflict:
    return Conflict(_("This record already has an open dispute; wait for the operator's decision."),
                    code="dispute_already_open")


def open_dispute(account: Account, kind: str, record_id: int, reason: str) -> Dispute:
    """A worker contests one of their records; the record is marked disputed until an operator decides.

    Refused: a non-worker (403), an unknown kind or an empty or too long
    reason (422), a record that is missing or someone else's (404, alike),
    one nobody is shown any more (409), one with an open dispute (409).
    """
    _require_worker(account)
    if kind not in RECORD_KINDS:
        message = _("Choose one of the allowed values.")
        raise DomainError(_("This kind of record cannot be disputed."), code="unknown_record_kind", status=422,
                          fields={"kind": [message]})
    reason = _clean_reason(reason)
    record = find_record(account, kind, record_id)
    if record is None:
        raise NotFound(_("This record does not exist."), code="record_not_found")
    if not record.disputable:
        raise Conflict(_("This record is no longer shown to anyone, so there is nothing to dispute."),
                       code="record_not_disputable")
    if (kind, record_id) in open_disputes_of(account.id):
        raise _already_open()
    workers.ensure_worker(account)  # the outcome notice is addressed to the worker record
    dispute = Dispute(worker_id=account.id, record_kind=kind, record_id=record_id, reason=reason,
                      state=DisputeState.OPEN.value, opened_at=clock.now())
    try:
        with db.session.begin_nested():  # two submissions at once: the partial unique index keeps one
            db.session.add(dispute)
    except IntegrityError:
        raise _already_open() from None
    db.session.flush()
    audit.record("dispute.opened", subject_id=account.id, actor_id=account.id, dispute_id=dispute.id,
                 record_kind=kind, record_id=record_id)
    return dispute


def _item(dispute: Dispute, account: Account | None, with_name: bool = False, with_content: bool = False
          ) -> DisputeItem:
    record = find_record(account, dispute.record_kind, dispute.record_id) if account else None
    if record is None:
        record = Record(dispute.record_kind, dispute.record_id, messages.kind_label(dispute.record_kind),
                        messages.record_gone(), disputable=False)
    elif with_content:
        content = _record_content(account, record)
        record = replace(record, content=content, blocks=_record_blocks(account, record, content))
    record = replace(record, disputed=dispute.is_open)
    return DisputeItem(dispute, record, account.name if (with_name and account) else None)


def describe(dispute: Dispute, for_operator: bool = False) -> DisputeItem:
    """A dispute with its record in words (and, for operators, the worker's name)."""
    return _item(dispute, db.session.get(Account, dispute.worker_id), with_name=for_operator)


def list_own(account: Account) -> list[DisputeItem]:
    """The worker's disputes, newest first, each with its record in words."""
    _require_worker(account)
    disputes = db.session.scalars(sa.select(Dispute).where(Dispute.worker_id == account.id)
                                  .order_by(Dispute.opened_at.desc(), Dispute.id.desc()))
    return [_item(d, account) for d in disputes]


def queue(operator: Account, page: int = 1, per_page: int = 20) -> Page:
    """Open disputes, oldest first (operators), each with its record in words and whose it is."""
    _require_operator(operator)
    result = paginate(sa.select(Dispute).where(Dispute.state == DisputeState.OPEN.value)
                      .order_by(Dispute.opened_at, Dispute.id), page, per_page)
    result.items = [_item(d, db.session.get(Account, d.worker_id), with_name=True) for d in result.items]
    return result


def get_for_operator(operator: Account, dispute_id: int) -> DisputeItem:
    """One dispute with what its record says, for the operator deciding it; the look is audited."""
    _require_operator(operator)
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(_("This dispute does not exist."), code="dispute_not_found")
    audit.record("dispute.viewed", subject_id=dispute.worker_id, actor_id=operator.id, dispute_id=dispute.id)
    return _item(dispute, db.session.get(Account, dispute.worker_id), with_name=True, with_content=True)


def resolve(operator: Account, dispute_id: int, outcome: str, reason: str) -> Dispute:
    """An operator decides: upheld (the reason says what happens to the record) or rejected, always with a reason.

    The worker is told in the app and by SMS (after the commit). Refused: a
    non-operator (403), an unknown outcome or a missing or too long reason
    (422), a missing dispute (404), one already decided (409).
    """
    _require_operator(operator)
    if outcome not in OUTCOMES:
        raise DomainError(_("Choose uphold or reject."), code="unknown_outcome", status=422,
                          fields={"outcome": [_("Choose uphold or reject.")]})
    reason = _clean_reason(reason)
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(_("This dispute does not exist."), code="dispute_not_found")
    decided = Conflict(_("This dispute has already been decided."), code="dispute_decided")
    if not dispute.is_open:
        raise decided
    # Conditional UPDATE: of two operators deciding at once, exactly one does.
    changed = db.session.execute(
        sa.update(Dispute).where(Dispute.id == dispute.id, Dispute.state == DisputeState.OPEN.value)
        .values(state=outcome, resolved_at=clock.now(), resolved_by_id=operator.id, resolution=reason)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(dispute)
    if changed != 1:
        raise decided
    audit.record("dispute.resolved", subject_id=dispute.worker_id, actor_id=operator.id, dispute_id=dispute.id,
                 outcome=outcome, record_kind=dispute.record_kind, record_id=dispute.record_id)
    workers.add_notice(dispute.worker_id, f"dispute_{outcome}")
    worker = db.session.get(Account, dispute.worker_id)
    with force_locale("zh"):  # text messages go out in Chinese, whatever the operator's page language
        body = messages.outcome_sms(outcome)
    notify_by_sms(worker.phone, body, worker.id)  # a job, handed to the queue after the commit
    return dispute


def open_disputes_of(worker_account_id: int) -> set[tuple[str, int]]:
    """(kind, record_id) of every record of this worker with an open dispute: each is shown as disputed (有异议)."""
    rows = db.session.execute(sa.select(Dispute.record_kind, Dispute.record_id).where(
        Dispute.worker_id == worker_account_id, Dispute.state == DisputeState.OPEN.value)).all()
    return {(kind, record_id) for kind, record_id in rows}


def delete_disputes(account: Account) -> None:
    """A deleted account's disputes go with it; decisions it made as an operator lose their author."""
    db.session.execute(sa.update(Dispute).where(Dispute.resolved_by_id == account.id).values(resolved_by_id=None))
    db.session.execute(sa.delete(Dispute).where(Dispute.worker_id == account.id))
