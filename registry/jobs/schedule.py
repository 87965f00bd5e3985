"""The daily schedule in China Standard Time, and the every-minute tick that runs it.

Domains declare daily runs with `daily(kind, at)` in their `jobs.py`, and
runs every few minutes with `every(kind, minutes)`. Every
job worker may tick (`queue.JobQueue` runs `tick` each minute): a daily job
carries its day in a unique key, so however many schedulers tick, and
however late after an outage, each day's run is submitted once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from registry.core import clock, effects
from registry.core.extensions import db
from registry.jobs.models import Job, JobFile, JobStatus
from registry.jobs.services import recover, submit


@dataclass(frozen=True)
class DailyJob:
    """A job submitted once per China Standard Time day, at or after `at`."""

    kind: str
    at: dt.time


SCHEDULE: dict[str, DailyJob] = {}
# kind -> minutes between runs
PERIODIC: dict[str, int] = {}


def daily(kind: str, at: dt.time) -> None:
    """Run job kind `kind` every day at `at` China Standard Time (idempotent per day)."""
    SCHEDULE[kind] = DailyJob(kind, at)


def every(kind: str, minutes: int) -> None:
    """Run job kind `kind` once in every `minutes`-long slot of the clock (idempotent per slot)."""
    PERIODIC[kind] = minutes


def submit_periodic(now: dt.datetime | None = None) -> list[Job]:
    """Submit each periodic job whose current slot has no run yet (the slot's start is in its unique key)."""
    stamp = int((now or clock.now()).timestamp())
    submitted = []
    for kind, minutes in PERIODIC.items():
        slot = dt.datetime.fromtimestamp(stamp - stamp % (minutes * 60), dt.UTC)
        job = submit(kind, unique_key=f"{kind}@{slot.isoformat(timespec='minutes')}")
        if job is not None:
            submitted.append(job)
    return submitted


def submit_due(now: dt.datetime | None = None, day: dt.date | None = None) -> list[Job]:
    """Submit today's scheduled jobs whose time has come and that are not yet submitted (catches up after a stop).

    With `day`, every scheduled job of that CST day not yet submitted (an operator catching up a missed day).
    """
    local = (now or clock.now()).astimezone(clock.CHINA_TZ)
    submitted = []
    for entry in SCHEDULE.values():
        if day is not None or local.time() >= entry.at:
            job = submit(entry.kind, unique_key=f"{entry.kind}@{(day or local.date()).isoformat()}")
            if job is not None:
                submitted.append(job)
    return submitted


def purge_finished(days: int = 90) -> int:
    """Delete jobs that ended more than `days` ago: summaries, and dead letters nobody retried (with their payload)."""
    before = clock.now() - dt.timedelta(days=days)
    ended = (JobStatus.DONE.value, JobStatus.DEAD.value)
    old = sa.select(Job.id).where(Job.status.in_(ended), Job.finished_at < before)
    db.session.execute(sa.delete(JobFile).where(JobFile.job_id.in_(old)).execution_options(synchronize_session=False))
    return db.session.execute(sa.delete(Job).where(Job.status.in_(ended), Job.finished_at < before)
                              .execution_options(synchronize_session=False)).rowcount or 0


def tick(day: dt.date | None = None) -> dict[str, int]:
    """The every-minute duty of a scheduler: due daily and periodic jobs (or all of `day`'s), recovery, old summaries."""
    submitted = submit_due(day=day) + ([] if day is not None else submit_periodic())
    purged = purge_finished()
    effects.commit()
    return {"submitted": len(submitted), "recovered": recover(), "purged": purged}
