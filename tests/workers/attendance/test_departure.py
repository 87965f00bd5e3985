"""The 30-day rule in China Standard Time days, the sweep and the reminders."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.accounts import sms
from registry.accounts.models import SmsMessage
from registry.core import effects
from registry.core.crypto import lookup_hash
from registry.core.extensions import db
from registry.jobs import services as jobs
from registry.jobs.models import Job
from tests.factories.face import make_face_check
from tests.factories.workers import at_china_time, make_worker
from workers import services
from workers.attendance import checkins, departure
from workers.models import Worker


def worker_of(account):
    return services.ensure_worker(account)


def test_due_date_counts_china_days_not_utc():
    # 23:59 CST on 1 March is 15:59 UTC; 00:01 CST on 2 March is 16:01 UTC on 1 March.
    late = at_china_time(2026, 3, 1, 23, 59)
    early_next = at_china_time(2026, 3, 2, 0, 1)
    assert late.date() == early_next.date() == dt.date(2026, 3, 1)  # same UTC day...
    assert services.due_on_after(late) == dt.date(2026, 3, 31)     # ...different CST days
    assert services.due_on_after(early_next) == dt.date(2026, 4, 1)


def test_exactly_thirty_days_is_still_active_thirty_one_is_departed(set_clock):
    set_clock(at_china_time(2026, 3, 1, 9))
    account = make_worker()
    worker = worker_of(account)
    assert worker.due_on == dt.date(2026, 3, 31)
    assert services.effective_status(worker, dt.date(2026, 3, 31)) == "active"
    assert services.days_left(worker, dt.date(2026, 3, 31)) == 0
    assert services.effective_status(worker, dt.date(2026, 4, 1)) == "departed"
    # The last active minute and the first departed minute, in CST.
    set_clock(at_china_time(2026, 3, 31, 23, 59))
    assert services.effective_status(worker) == "active"
    set_clock(at_china_time(2026, 4, 1, 0, 0))
    assert services.effective_status(worker) == "departed"


def test_sweep_marks_overdue_workers_once_and_is_idempotent(set_clock, db_session):
    set_clock(at_china_time(2026, 3, 1, 9))
    old = make_worker("甲")
    worker_of(old)
    set_clock(at_china_time(2026, 3, 2, 0, 5))  # next CST day (still 1 March in UTC)
    newer = make_worker("乙")
    worker_of(newer)
    set_clock(at_china_time(2026, 4, 1, 0, 1))  # day 31 for old, day 30 for newer
    first = departure.sweep(batch_size=100)
    assert first.departed == 1
    db_session.expire_all()
    assert db_session.get(Worker, old.id).status == "departed"
    assert db_session.get(Worker, old.id).departed_since is not None
    assert db_session.get(Worker, newer.id).status == "active"
    assert departure.sweep(batch_size=100).departed == 0


def test_sweep_command_prints_count(runner, set_clock, db_session):
    set_clock(at_china_time(2026, 3, 1, 9))
    account = make_worker()
    worker_of(account)
    set_clock(at_china_time(2026, 5, 1, 9))
    result = runner.invoke(args=["workers", "sweep", "--batch-size", "100"])
    assert result.exit_code == 0, result.output
    assert "1 worker(s) marked departed" in result.output
    again = runner.invoke(args=["workers", "sweep"])
    assert "0 worker(s) marked departed" in again.output


def test_sweep_command_refuses_bad_batch_size(runner):
    result = runner.invoke(args=["workers", "sweep", "--batch-size", "0"])
    assert result.exit_code != 0


def test_sweep_with_no_workers(db_session):
    assert departure.sweep().departed == 0


def test_check_in_after_sweep_makes_worker_active_again(set_clock, db_session, enterprise):
    set_clock(at_china_time(2026, 3, 1, 9))
    account = make_worker(enterprises=[enterprise])
    set_clock(at_china_time(2026, 4, 10, 9))
    departure.sweep()
    db_session.expire_all()
    assert worker_of(account).status == "departed"
    result = checkins.check_in(account, make_face_check(account).id)
    assert result.reactivated is True
    assert result.worker.status == "active" and result.worker.departed_since is None
    assert result.worker.due_on == dt.date(2026, 5, 10)
    assert departure.sweep().departed == 0


def sms_count(phone) -> int:
    effects.commit()  # messages are jobs, sent once the transaction commits
    return db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)
                             .where(SmsMessage.phone_hash == lookup_hash(phone, "phone")))


def test_reminders_at_25_and_29_days_never_twice(set_clock, db_session):
    set_clock(at_china_time(2026, 3, 1, 9))
    account = make_worker()
    worker_of(account)
    set_clock(at_china_time(2026, 3, 25, 9))  # day 24: nothing yet
    assert departure.remind() == {25: 0, 29: 0}
    set_clock(at_china_time(2026, 3, 26, 0, 1))  # day 25 in CST (still 25 March in UTC)
    assert departure.remind() == {25: 1, 29: 0}
    assert departure.remind() == {25: 0, 29: 0}
    set_clock(at_china_time(2026, 3, 28, 9))  # day 27: the 25-day mark was already sent
    assert departure.remind() == {25: 0, 29: 0}
    set_clock(at_china_time(2026, 3, 30, 9))  # day 29
    assert departure.remind() == {25: 0, 29: 1}
    set_clock(at_china_time(2026, 3, 31, 9))  # day 30
    assert departure.remind() == {25: 0, 29: 0}
    set_clock(at_china_time(2026, 4, 2, 9))  # departed: no more reminders
    assert departure.remind() == {25: 0, 29: 0}
    assert sms_count(account.phone) == 2


def test_missed_day_25_is_sent_late_but_only_29_on_day_29(set_clock, db_session):
    set_clock(at_china_time(2026, 3, 1, 9))
    late = make_worker("甲")
    worker_of(late)
    set_clock(at_china_time(2026, 3, 28, 9))  # day 27, no run before
    assert departure.remind() == {25: 1, 29: 0}
    set_clock(at_china_time(2026, 3, 1, 9))
    very_late = make_worker("乙")
    worker_of(very_late)
    set_clock(at_china_time(2026, 3, 30, 9))  # day 29 for very_late, also day 29 for late
    assert departure.remind() == {25: 0, 29: 2}
    assert sms_count(very_late.phone) == 1


def test_check_in_restarts_the_reminders(set_clock, db_session, enterprise):
    set_clock(at_china_time(2026, 3, 1, 9))
    account = make_worker(enterprises=[enterprise])
    set_clock(at_china_time(2026, 3, 26, 9))
    assert departure.remind()[25] == 1
    checkins.check_in(account, make_face_check(account).id)  # due 25 April now
    set_clock(at_china_time(2026, 4, 20, 9))  # day 25 of the new period
    assert departure.remind()[25] == 1


def test_remind_command(runner, set_clock, db_session):
    set_clock(at_china_time(2026, 3, 1, 9))
    worker_of(make_worker())
    set_clock(at_china_time(2026, 3, 30, 9))
    result = runner.invoke(args=["workers", "remind"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) at 29 days" in result.output
    assert "0 reminder(s) at 29 days" in runner.invoke(args=["workers", "remind"]).output


def test_a_failed_reminder_sms_is_retried_by_its_job_not_claimed_again(set_clock, db_session, monkeypatch):
    set_clock(at_china_time(2026, 3, 1, 9))
    account = make_worker()
    worker_of(account)
    set_clock(at_china_time(2026, 3, 30, 9))

    def refuse(phone, body, reference=""):
        raise sms.SmsDeliveryError("down")

    monkeypatch.setattr(sms, "send_sms", refuse)
    assert departure.remind() == {25: 0, 29: 1}
    assert sms_count(account.phone) == 0
    job = db.session.scalars(sa.select(Job).where(Job.kind == sms.MESSAGE_JOB)
                             .order_by(Job.id.desc()).limit(1)).one()
    assert (job.status, job.attempts, job.last_error) == ("pending", 1, "SmsDeliveryError")
    monkeypatch.undo()
    assert departure.remind() == {25: 0, 29: 0}  # the claim stands: the job, not a new claim, resends
    set_clock(at_china_time(2026, 3, 30, 9, 5))  # past the first retry's pause
    jobs.recover()
    assert sms_count(account.phone) == 1
    db.session.refresh(job)
    assert job.status == "done" and job.payload is None
