"""Background jobs: submitting, claiming, running, retrying, recovering and the daily schedule.

A job is a database row written in the same transaction as the change that
asked for it (a transactional outbox); the queue only carries the row's id
once that transaction commits. A worker claims the row with a conditional
UPDATE that also takes a lease, so a job runs at most once at a time; a
worker that dies leaves an expired lease and `recover` hands the job out
again; a queue that is unreachable leaves the row pending for the same
recovery. Handlers commit their work together with a checkpoint
(`JobRun.save`), so a rerun continues where the last committed batch ended
and the final result is exact.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from registry.core import clock, effects
from registry.core.errors import Conflict, NotFound
from registry.core.extensions import db
from registry.jobs.models import Job, JobFile, JobStatus
from registry.web import observability

log = logging.getLogger(__name__)

QUEUE_EXTENSION = "registry.jobs"


class JobFailure(Exception):
    """A handler's refusal whose message is safe to show an operator (no personal data).

    `retry=False` sends the job straight to the dead letters (a file that
    cannot be read will not improve by waiting).
    """

    def __init__(self, message: str, *, retry: bool = True):
        super().__init__(message)
        self.message = message
        self.retry = retry


class LeaseLost(Exception):
    """Another worker took this job over after our lease ran out; our work is rolled back."""


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its handler and how it is retried."""

    name: str
    handler: Callable[[JobRun], dict | None]
    label: Callable[[], str]
    max_attempts: int = 5
    retry_seconds: float = 30.0
    # A job not started by then is not worth doing (a verification code past its validity).
    expires_seconds: float | None = None
    # File endings an operator may upload for this kind on the imports page (empty: not an import).
    upload_formats: tuple[str, ...] = ()
    # Run in the submitting process when the queue is unreachable (a person is waiting for it).
    inline_when_queue_down: bool = False


KINDS: dict[str, JobKind] = {}


def job_kind(name: str, label: Callable[[], str], **options) -> Callable:
    """Register the decorated function as the handler of job kind `name`."""
    def register(handler: Callable[[JobRun], dict | None]):
        KINDS[name] = JobKind(name, handler, label, **options)
        return handler

    return register


@dataclass
class JobRun:
    """What a handler gets: the job's input, its last checkpoint and a way to save progress."""

    job_id: int
    attempt: int
    kind: str
    payload: Any
    checkpoint: dict = field(default_factory=dict)

    def save(self, checkpoint: dict | None = None, *, done: int | None = None, total: int | None = None) -> None:
        """Commit the work done so far with its checkpoint and progress, and renew the lease.

        The job row is updated only if this run still holds it; otherwise the
        work is rolled back and LeaseLost raised.
        """
        values: dict[str, Any] = {"lease_until": clock.now() + _lease()}
        if checkpoint is not None:
            self.checkpoint = checkpoint
            values["checkpoint"] = checkpoint
        if done is not None:
            values["progress_done"] = done
        if total is not None:
            values["progress_total"] = total
        _update_held(self, values)
        effects.commit()

    def file(self) -> JobFile:
        """The uploaded file of an import job."""
        upload = db.session.get(JobFile, self.job_id)
        if upload is None:
            raise JobFailure("the uploaded file is no longer there", retry=False)
        return upload


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])


def _update_held(run: JobRun, values: dict[str, Any]) -> None:
    held = db.session.execute(
        sa.update(Job).where(Job.id == run.job_id, Job.status == JobStatus.RUNNING.value,
                             Job.attempts == run.attempt)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if held != 1:
        db.session.rollback()
        raise LeaseLost(f"job {run.job_id} attempt {run.attempt} no longer holds its lease")


# --- submitting ---------------------------------------------------------------------------

def submit(kind: str, payload: Any = None, *, unique_key: str | None = None, subject_account_id: int | None = None,
           created_by: int | None = None, total: int | None = None,
           run_after: dt.datetime | None = None) -> Job | None:
    """Add a job in the current transaction; it is queued once that commits.

    With a unique_key already used, nothing is added and None is returned
    (scheduled work submitted by two schedulers runs once).
    """
    spec = KINDS[kind]
    job = Job(kind=kind, payload=None if payload is None else json.dumps(payload, ensure_ascii=False),
              unique_key=unique_key, subject_account_id=subject_account_id, created_by=created_by,
              max_attempts=spec.max_attempts, progress_total=total, run_after=run_after or clock.now(),
              created_at=clock.now())
    if unique_key is not None:
        if db.session.scalar(sa.select(Job.id).where(Job.unique_key == unique_key)) is not None:
            return None
        try:
            with db.session.begin_nested():
                db.session.add(job)
        except IntegrityError:
            return None
    else:
        db.session.add(job)
    db.session.flush()
    effects.after_commit(functools.partial(enqueue, job.id))
    return job


def enqueue(job_id: int, delay: float | None = None) -> bool:
    """Hand a committed job's id to the queue; False (and the row stays pending) when it is unreachable."""
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(enqueued_at=clock.now())
                       .execution_options(synchronize_session=False))
    db.session.commit()
    try:
        current_app.extensions[QUEUE_EXTENSION].enqueue(job_id, delay)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the database row keeps the job
        job = db.session.get(Job, job_id)
        spec = KINDS.get(job.kind) if job is not None else None
        if spec is not None and spec.inline_when_queue_down and not delay:
            log.warning("job queue unreachable (%s); job %s (%s) runs in this process", type(exc).__name__,
                        job_id, job.kind)
            deliver(job_id)
        else:
            log.warning("job queue unreachable (%s); job %s waits in the database and is delivered by recovery",
                        type(exc).__name__, job_id)
        return False
    return True


# --- running ------------------------------------------------------------------------------

def claim(job_id: int) -> Job | None:
    """Take the job for this worker (pending and due, or running with an expired lease); commits."""
    now = clock.now()
    job = db.session.get(Job, job_id)
    if job is None:
        return None
    spec = KINDS.get(job.kind)
    claimable = sa.or_(sa.and_(Job.status == JobStatus.PENDING.value, Job.run_after <= now),
                       sa.and_(Job.status == JobStatus.RUNNING.value, Job.lease_until < now))
    won = db.session.execute(
        sa.update(Job).where(Job.id == job_id, claimable)
        .values(status=JobStatus.RUNNING.value, attempts=Job.attempts + 1, lease_until=now + _lease(),
                started_at=sa.func.coalesce(Job.started_at, now))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if won != 1:
        return None
    db.session.refresh(job)
    if spec is None:
        _bury(job, f"unknown job kind {job.kind!r}")
        return None
    if job.attempts > job.max_attempts:  # every attempt so far ended with its worker (killed, out of memory)
        _bury(job, "worker lost during every attempt")
        return None
    if spec.expires_seconds is not None and job.created_at + dt.timedelta(seconds=spec.expires_seconds) < now:
        _bury(job, "expired before it could run")
        return None
    return job


def deliver(job_id: int) -> str | None:
    """Run one job if this worker can claim it; returns the status it ended in (None: not ours to run)."""
    job = claim(job_id)
    if job is None:
        return None
    spec = KINDS[job.kind]
    run = JobRun(job.id, job.attempts, job.kind, None if job.payload is None else json.loads(job.payload),
                 dict(job.checkpoint or {}))
    started = time.monotonic()
    try:
        result = spec.handler(run)
        _update_held(run, {"status": JobStatus.DONE.value, "result": result, "payload": None,
                           "lease_until": None, "finished_at": clock.now(), "last_error": None})
        db.session.execute(sa.delete(JobFile).where(JobFile.job_id == run.job_id))
        effects.commit()
        status = JobStatus.DONE.value
    except LeaseLost:
        log.warning("job %s (%s) lost its lease to another worker; its last batch was rolled back",
                    run.job_id, run.kind)
        return None
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row and retried or buried
        db.session.rollback()
        effects.discard()
        status = _fail(run, spec, exc)
    finally:
        observability.observe_job(run.kind, time.monotonic() - started)
    return status


def _error_text(exc: BaseException) -> str:
    # Only our own failures carry words; other messages could quote personal data.
    text = f"{type(exc).__name__}: {exc.message}" if isinstance(exc, JobFailure) else type(exc).__name__
    return text[:300]


def _fail(run: JobRun, spec: JobKind, exc: BaseException) -> str:
    error = _error_text(exc)
    retry = not (isinstance(exc, JobFailure) and not exc.retry) and run.attempt < spec.max_attempts
    log.warning("job %s (%s) attempt %s failed: %s", run.job_id, run.kind, run.attempt, error)
    if not retry:
        held = db.session.execute(
            sa.update(Job).where(Job.id == run.job_id, Job.attempts == run.attempt)
            .values(status=JobStatus.DEAD.value, last_error=error, lease_until=None, finished_at=clock.now())
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        return JobStatus.DEAD.value if held else JobStatus.RUNNING.value
    delay = spec.retry_seconds * 2 ** (run.attempt - 1)
    db.session.execute(
        sa.update(Job).where(Job.id == run.job_id, Job.attempts == run.attempt)
        .values(status=JobStatus.PENDING.value, last_error=error, lease_until=None,
                run_after=clock.now() + dt.timedelta(seconds=delay))
        .execution_options(synchronize_session=False))
    db.session.commit()
    enqueue(run.job_id, delay)
    return JobStatus.PENDING.value


def _bury(job: Job, reason: str) -> None:
    job.status, job.last_error, job.lease_until, job.finished_at = (JobStatus.DEAD.value, reason[:300], None,
                                                                   clock.now())
    db.session.commit()
    log.warning("job %s (%s) moved to the dead letters: %s", job.id, job.kind, reason)


# --- recovery ------------------------------------------------------------------------------------

def recover(limit: int = 1000) -> int:
    """Queue again the jobs a dead worker or an unreachable queue left behind; returns how many."""
    now = clock.now()
    requeue_before = now - dt.timedelta(seconds=current_app.config["JOBS_REQUEUE_SECONDS"])
    ids = db.session.scalars(
        sa.select(Job.id).where(sa.or_(
            sa.and_(Job.status == JobStatus.RUNNING.value, Job.lease_until < now),
            # Due, and not picked up for a while after it was queued or became due.
            sa.and_(Job.status == JobStatus.PENDING.value, Job.run_after < requeue_before,
                    sa.or_(Job.enqueued_at.is_(None), Job.enqueued_at < requeue_before))))
        .order_by(Job.id).limit(limit)).all()
    db.session.rollback()
    for job_id in ids:
        enqueue(job_id)
    return len(ids)


# --- operators -------------------------------------------------------------------------------

def get(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("No such job.")
    return job


def retry(job_id: int) -> Job:
    """Give a dead job a fresh set of attempts."""
    job = get(job_id)
    if job.status != JobStatus.DEAD.value:
        raise Conflict("Only a job that ran out of attempts can be retried.", code="job_not_dead")
    job.status, job.attempts, job.run_after, job.finished_at = JobStatus.PENDING.value, 0, clock.now(), None
    job.lease_until = None
    db.session.flush()
    effects.after_commit(functools.partial(enqueue, job.id))
    return job


def discard(job_id: int) -> None:
    """Delete a dead job and what it held."""
    job = get(job_id)
    if job.status != JobStatus.DEAD.value:
        raise Conflict("Only a job that ran out of attempts can be discarded.", code="job_not_dead")
    db.session.execute(sa.delete(JobFile).where(JobFile.job_id == job_id))
    db.session.delete(job)
    db.session.flush()


def counts() -> dict[str, int]:
    """How many jobs are in each status."""
    rows = db.session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status)).all()
    found = {status: count for status, count in rows}
    return {status.value: found.get(status.value, 0) for status in JobStatus}


def recent(limit: int = 50, status: str | None = None, kinds: tuple[str, ...] | None = None) -> list[Job]:
    query = sa.select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    return list(db.session.scalars(query))


def submit_upload(kind: str, filename: str, content: bytes, options: dict, created_by: int) -> Job:
    """Start an import of an uploaded file: the job and its encrypted file in one transaction."""
    spec = KINDS.get(kind)
    if spec is None or not spec.upload_formats:
        raise NotFound("No such import.")
    job = submit(kind, options, created_by=created_by)
    db.session.add(JobFile(job_id=job.id, filename=filename[:200], content=content, size=len(content)))
    db.session.flush()
    return job


def upload_kinds() -> list[JobKind]:
    return [spec for spec in KINDS.values() if spec.upload_formats]


def delete_subject_jobs(account) -> None:
    """A deleted person's unfinished work (an SMS to their phone) goes with their account."""
    db.session.execute(sa.delete(Job).where(Job.subject_account_id == account.id)
                       .execution_options(synchronize_session=False))
