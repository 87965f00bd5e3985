"""The job table's rules: delivery after the commit, retries with pauses, dead letters, leases,
recovery of lost work, the daily schedule in China Standard Time, and clean-up with the account.

The queue is replaced by a recorder here so each step is taken by the test;
tests/registry/jobs/test_worker_processes.py runs the real queues and workers.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registry.accounts import services as accounts
from registry.core import clock, effects
from registry.core.errors import Conflict, NotFound
from registry.core.extensions import db
from registry.jobs import schedule
from registry.jobs import services as jobs
from registry.jobs.models import Job, JobFile
from registry.jobs.services import JobFailure, JobRun, LeaseLost, job_kind
from tests.factories.accounts import make_account
from tests.factories.workers import at_china_time

CALLS: list[tuple[str, object]] = []


@job_kind("test.echo", lambda: "echo", max_attempts=3, retry_seconds=10.0)
def echo(run: JobRun) -> dict:
    CALLS.append(("echo", run.payload))
    if run.payload.get("fail_times", 0) >= run.attempt:
        raise RuntimeError("secret 13812345678 in an exception message")
    if run.payload.get("refuse"):
        raise JobFailure("the file is not a table", retry=False)
    return {"sent": 1}


SERVICE = {"down": False}


@job_kind("test.flaky", lambda: "flaky", max_attempts=2, retry_seconds=10.0)
def flaky(run: JobRun) -> dict:
    if SERVICE["down"]:
        raise ConnectionError("provider down")
    return {"sent": 1}


@job_kind("test.steps", lambda: "steps", max_attempts=3)
def steps(run: JobRun) -> dict:
    """Three committed steps with a checkpoint; stops after `stop_after` steps in this attempt."""
    state = {"step": 0, **run.checkpoint}
    for _ in range(state["step"], 3):
        state = {"step": state["step"] + 1}
        run.save(state, done=state["step"], total=3)
        CALLS.append(("step", state["step"]))
        if run.payload and run.payload.get("crash_at") == state["step"] and run.attempt == 1:
            raise SystemExit("worker died")  # BaseException: like a kill, nothing after it runs
    return {"rows": state["step"]}


@job_kind("test.expiring", lambda: "expiring", expires_seconds=60.0)
def expiring(run: JobRun) -> dict:
    CALLS.append(("expiring", run.job_id))
    return {}


class RecordingQueue:
    """Stands in for the broker: remembers what was queued (and can refuse, like an unreachable Redis)."""

    backend = "recording"

    def __init__(self):
        self.queued: list[tuple[int, float | None]] = []
        self.down = False

    def enqueue(self, job_id, delay=None):
        if self.down:
            raise ConnectionError("queue down")
        self.queued.append((job_id, delay))

    def reachable(self):
        return not self.down


@pytest.fixture
def queue(app, monkeypatch):
    CALLS.clear()
    recorder = RecordingQueue()
    monkeypatch.setitem(app.extensions, jobs.QUEUE_EXTENSION, recorder)
    return recorder


def fetch(job_id) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_a_job_is_queued_only_when_its_transaction_commits(db_session, queue):
    job = jobs.submit("test.echo", {"n": 1})
    assert queue.queued == []
    effects.commit()
    assert queue.queued == [(job.id, None)]
    dropped = jobs.submit("test.echo", {"n": 2})
    dropped_id = dropped.id
    db.session.rollback()
    effects.discard()
    assert queue.queued == [(job.id, None)] and db.session.get(Job, dropped_id) is None


def test_delivery_runs_once_clears_the_payload_and_keeps_a_summary(db_session, queue):
    job = jobs.submit("test.echo", {"phone": "13812345678"})
    effects.commit()
    raw = db_session.execute(sa.text("SELECT payload FROM job WHERE id = :id"), {"id": job.id}).scalar()
    assert b"13812345678" not in bytes(raw)  # encrypted at rest
    assert jobs.deliver(job.id) == "done"
    done = fetch(job.id)
    assert (done.status, done.attempts, done.payload, done.result) == ("done", 1, None, {"sent": 1})
    assert jobs.deliver(job.id) is None  # a second delivery of the same id does nothing
    assert CALLS == [("echo", {"phone": "13812345678"})]


def test_failures_are_retried_with_growing_pauses_then_buried(db_session, queue):
    job = jobs.submit("test.echo", {"fail_times": 5})
    effects.commit()
    assert jobs.deliver(job.id) == "pending"
    first = fetch(job.id)
    assert first.last_error == "RuntimeError"  # the kind only: the message could hold personal data
    assert queue.queued[-1] == (job.id, 10.0)
    assert jobs.deliver(job.id) is None  # not due yet
    clock.set_offset(dt.timedelta(seconds=11))
    assert jobs.deliver(job.id) == "pending"
    assert queue.queued[-1] == (job.id, 20.0)
    clock.set_offset(dt.timedelta(seconds=32))
    assert jobs.deliver(job.id) == "dead"
    dead = fetch(job.id)
    assert (dead.status, dead.attempts) == ("dead", 3) and dead.payload is not None  # kept for a retry


def test_a_refusal_goes_to_the_dead_letters_at_once_with_its_words(db_session, queue):
    job = jobs.submit("test.echo", {"refuse": True})
    effects.commit()
    assert jobs.deliver(job.id) == "dead"
    assert fetch(job.id).last_error == "JobFailure: the file is not a table"


def test_an_operator_retries_or_discards_a_dead_job(db_session, queue):
    SERVICE["down"] = True
    job = jobs.submit("test.flaky", {})
    effects.commit()
    for seconds in (0, 11):
        clock.set_offset(dt.timedelta(seconds=seconds))
        jobs.deliver(job.id)
    assert fetch(job.id).status == "dead"
    with pytest.raises(Conflict):
        jobs.discard(jobs.submit("test.echo", {}).id)
    SERVICE["down"] = False  # the provider is back; the operator retries
    jobs.retry(job.id)
    effects.commit()
    assert jobs.deliver(job.id) == "done" and fetch(job.id).attempts == 1
    with pytest.raises(Conflict):
        jobs.retry(job.id)
    other = jobs.submit("test.echo", {"refuse": True})
    effects.commit()
    jobs.deliver(other.id)
    jobs.discard(other.id)
    assert db.session.get(Job, other.id) is None
    with pytest.raises(NotFound):
        jobs.retry(other.id)


def test_a_crashed_attempt_resumes_from_its_last_committed_checkpoint(db_session, queue):
    job = jobs.submit("test.steps", {"crash_at": 2})
    effects.commit()
    with pytest.raises(SystemExit):
        jobs.deliver(job.id)
    db.session.rollback()
    crashed = fetch(job.id)
    assert (crashed.status, crashed.checkpoint, crashed.progress_done) == ("running", {"step": 2}, 2)
    assert jobs.deliver(job.id) is None  # its lease has not run out: nobody else may take it
    clock.set_offset(dt.timedelta(seconds=61))
    assert jobs.recover() == 1
    assert jobs.deliver(job.id) == "done"
    assert fetch(job.id).result == {"rows": 3}
    assert CALLS == [("step", 1), ("step", 2), ("step", 3)]  # each step exactly once


def test_a_job_whose_worker_dies_every_time_is_buried_not_retried_forever(db_session, queue):
    job = jobs.submit("test.echo", {})
    effects.commit()
    for attempt in range(1, 4):  # max_attempts = 3: each claim's worker "dies" before finishing
        clock.set_offset(dt.timedelta(seconds=61 * attempt))
        assert jobs.claim(job.id).attempts == attempt
    clock.set_offset(dt.timedelta(seconds=61 * 4))
    assert jobs.claim(job.id) is None
    assert fetch(job.id).status == "dead" and fetch(job.id).last_error == "worker lost during every attempt"
    assert CALLS == []


def test_a_worker_that_lost_its_lease_cannot_commit(db_session, queue):
    job = jobs.submit("test.steps")
    effects.commit()
    claimed = jobs.claim(job.id)
    stale = JobRun(claimed.id, claimed.attempts, claimed.kind, None, {})
    clock.set_offset(dt.timedelta(seconds=61))
    assert jobs.claim(job.id).attempts == 2  # another worker took it over
    with pytest.raises(LeaseLost):
        stale.save({"step": 99})
    assert fetch(job.id).checkpoint is None


def test_recovery_requeues_work_an_unreachable_queue_left_in_the_database(db_session, queue):
    queue.down = True
    job = jobs.submit("test.echo", {})
    effects.commit()  # the queue refuses; the job is not lost
    assert fetch(job.id).status == "pending" and queue.queued == []
    queue.down = False
    assert jobs.recover() == 0  # queued a moment ago: give the queue its time first
    clock.set_offset(dt.timedelta(seconds=121))
    assert jobs.recover() == 1 and queue.queued == [(job.id, None)]


def test_a_job_past_its_usefulness_is_not_run(db_session, queue):
    job = jobs.submit("test.expiring")
    effects.commit()
    clock.set_offset(dt.timedelta(seconds=61))
    assert jobs.deliver(job.id) is None
    assert fetch(job.id).status == "dead" and CALLS == []


def test_daily_jobs_follow_china_time_and_are_submitted_once_per_day(db_session, queue):
    schedule.daily("test.echo", dt.time(0, 30))
    try:
        def echo_jobs():
            return db.session.scalars(sa.select(Job.unique_key).where(Job.kind == "test.echo")).all()

        # 00:20 CST on 2 March is 16:20 UTC on 1 March: not yet due.
        schedule.submit_due(at_china_time(2026, 3, 2, 0, 20))
        assert echo_jobs() == []
        schedule.submit_due(at_china_time(2026, 3, 2, 0, 31))
        schedule.submit_due(at_china_time(2026, 3, 2, 18, 0))  # later ticks the same day add nothing
        assert echo_jobs() == ["test.echo@2026-03-02"]
        schedule.submit_due(at_china_time(2026, 3, 3, 9, 0))  # a worker down at 00:30 catches up
        schedule.submit_due(day=dt.date(2026, 2, 27))  # an operator catching up a missed day
        assert sorted(echo_jobs()) == ["test.echo@2026-02-27", "test.echo@2026-03-02", "test.echo@2026-03-03"]
    finally:
        schedule.SCHEDULE.pop("test.echo")


def test_summaries_and_unretried_dead_letters_are_purged_after_ninety_days(db_session, queue):
    job = jobs.submit("test.echo", {})
    dead = jobs.submit("test.echo", {"refuse": True, "phone": "13812345678"})
    waiting = jobs.submit("test.echo", {}, run_after=clock.now() + dt.timedelta(days=365))
    effects.commit()
    jobs.deliver(job.id)
    jobs.deliver(dead.id)
    clock.set_offset(dt.timedelta(days=89))
    assert schedule.purge_finished() == 0
    clock.set_offset(dt.timedelta(days=91))
    assert schedule.purge_finished() == 2
    assert fetch(waiting.id) is not None


def test_a_deleted_account_takes_its_unsent_messages_with_it(db_session, queue):
    account = make_account(role="consumer")
    mine = jobs.submit("test.echo", {"phone": "13812345678"}, subject_account_id=account.id).id
    other = jobs.submit("test.echo", {}).id
    effects.commit()
    accounts.erase_account(account)
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Job, mine) is None and db.session.get(Job, other) is not None


def test_an_upload_is_kept_encrypted_only_until_its_import_ends(db_session, queue):
    job = jobs.submit_upload("enterprises.import", "x.csv", b"name,credit_code\n", {"source": "t"}, None)
    effects.commit()
    raw = db_session.execute(sa.text("SELECT content FROM job_file WHERE job_id = :id"), {"id": job.id}).scalar()
    assert b"credit_code" not in bytes(raw)
    jobs.deliver(job.id)
    assert db.session.get(JobFile, job.id) is None
    with pytest.raises(NotFound):
        jobs.submit_upload("test.echo", "x.csv", b"1", {}, None)  # not an import kind
