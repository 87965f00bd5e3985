"""The sweep that writes the 30-day departure rule (离职) and the reminders before it.

The rule itself (due dates, effective status) is in workers.services.

Days are China Standard Time calendar days, whatever the server's zone: a
worker who checks in at 23:50 CST on 1 March has used up 1 March, and one who
checks in at 00:10 CST on 2 March (16:10 UTC on 1 March) counts from 2 March.
"More than 30 days ago" means: active through the 30th day after the check-in
day (`due_on`), departed from the 31st.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.accounts import sms
from registry.accounts.models import Account
from registry.core import clock, signals
from registry.core.extensions import db
from workers.models import Worker, WorkStatus
from workers.services import ALLOWED_DAYS

REMINDER_MARKS = (25, 29)


# --- sweep -------------------------------------------------------------------

def sweep_statement(low: int, high: int, today: dt.date, now: dt.datetime) -> sa.Update:
    """The UPDATE marking departed the overdue active workers with account_id in [low, high).

    Its WHERE repeats the rule: a check-in committed meanwhile has moved
    due_on, and PostgreSQL re-checks the WHERE on the newest row version
    after waiting for the row lock, so a fresh check-in is never
    overwritten. Already departed rows are not touched, so a rerun changes
    nothing.
    """
    return (sa.update(Worker)
            .where(Worker.account_id >= low, Worker.account_id < high,
                   Worker.status == WorkStatus.ACTIVE.value, Worker.due_on < today)
            .values(status=WorkStatus.DEPARTED.value, departed_since=now)
            .execution_options(synchronize_session=False))


def sweep_batch(low: int, high: int, today: dt.date, now: dt.datetime) -> int:
    """Run one sweep batch in the session; returns how many workers it marked departed.

    The grants those workers gave end in the same transaction (signals.worker_standing_ended).
    """
    departed = db.session.execute(sweep_statement(low, high, today, now)).rowcount or 0
    if departed:
        signals.worker_standing_ended.send("departed", worker_ids=sa.select(Worker.account_id).where(
            Worker.account_id >= low, Worker.account_id < high, Worker.status == WorkStatus.DEPARTED.value,
            Worker.departed_since == now))
    return departed


def id_range() -> tuple[int, int] | None:
    """The smallest and largest worker id, or None without workers."""
    low, high = db.session.execute(sa.select(sa.func.min(Worker.account_id), sa.func.max(Worker.account_id))).one()
    return None if low is None else (low, high)


@dataclass
class SweepResult:
    departed: int
    batches: int


def sweep_batches(batch_size: int = 50_000, start: int | None = None) -> Iterator[tuple[int, int]]:
    """Write the departed status batch by batch of ids; yields (departed, ids covered) per batch.

    `start` resumes at that id (a job's checkpoint). Flushes only: the
    caller commits after each batch (short locks, progress that survives an
    interruption).
    """
    today, now = clock.china_today(), clock.now()
    bounds = id_range()
    if bounds is None:
        return
    first = bounds[0] if start is None else max(start, bounds[0])
    for low in range(first, bounds[1] + 1, batch_size):
        yield sweep_batch(low, low + batch_size, today, now), min(batch_size, bounds[1] + 1 - low)


def sweep(batch_size: int = 50_000) -> SweepResult:
    """Every sweep batch in the caller's one transaction."""
    changed = batches = 0
    for departed, _covered in sweep_batches(batch_size):
        changed, batches = changed + departed, batches + 1
    return SweepResult(changed, batches)


# --- reminders ---------------------------------------------------------------

def reminder_text(days_remaining: int) -> str:
    """The SMS body of a check-in reminder."""
    if days_remaining <= 1:
        return _("[Household Services Credit] Please check in today or tomorrow: after 30 days without a "
                 "check-in you are shown as departed.")
    return _("[Household Services Credit] Please check in within %(days)d days: after 30 days without a "
             "check-in you are shown as departed.", days=days_remaining)


def _due_mark(mark: int, today: dt.date):
    """Active workers who reached `mark` days but not the next mark, and have not had this reminder."""
    following = [m for m in REMINDER_MARKS if m > mark]
    last_day = (following[0] if following else ALLOWED_DAYS + 1) - 1
    # days_since = 30 - (due_on - today), so days_since in [mark, last_day] is a due_on range.
    earliest_due = today + dt.timedelta(days=ALLOWED_DAYS - last_day)
    latest_due = today + dt.timedelta(days=ALLOWED_DAYS - mark)
    not_sent = sa.or_(Worker.reminded_due_on.is_(None), Worker.reminded_due_on != Worker.due_on,
                      Worker.reminded_mark < mark)
    return sa.and_(Worker.due_on >= earliest_due, Worker.due_on <= latest_due, not_sent)


@dataclass
class Reminder:
    """One claimed reminder; its message is queued in the same transaction as the claim."""

    account_id: int
    phone: str
    days_remaining: int


@dataclass
class ReminderBatch:
    mark: int
    reminders: list[Reminder]


def remind_batches(batch_size: int = 1000) -> Iterator[ReminderBatch]:
    """Claim the 25- and 29-day reminders that are due, one batch at a time.

    Each reminder is claimed by a conditional UPDATE, so two runs (or a
    rerun the same day) never send the same day-mark twice. A run that
    missed day 25 and runs on day 27 still sends it; one that missed it
    until day 29 sends only the 29-day reminder. Flushes only: the job
    `deliver`s the batch (queues its messages) and commits claims and
    messages together, so a crash loses neither and doubles neither.
    """
    today = clock.china_today()
    for mark in sorted(REMINDER_MARKS, reverse=True):
        last_id = 0
        while True:
            rows = db.session.execute(
                sa.select(Worker.account_id, Worker.due_on, Account.phone)
                .join(Account, Account.id == Worker.account_id)
                .where(_due_mark(mark, today), Worker.account_id > last_id)
                .order_by(Worker.account_id).limit(batch_size)).all()
            if not rows:
                break
            claimed = []
            for row in rows:
                last_id = row.account_id
                won = db.session.execute(
                    sa.update(Worker).where(Worker.account_id == row.account_id, _due_mark(mark, today))
                    .values(reminded_mark=mark, reminded_due_on=Worker.due_on)
                    .execution_options(synchronize_session=False)).rowcount
                if won == 1:
                    claimed.append(Reminder(row.account_id, row.phone, (row.due_on - today).days))
            yield ReminderBatch(mark, claimed)


def deliver(batch: ReminderBatch) -> int:
    """Queue a batch's messages (sent by the job worker after the commit, retried there). Returns how many."""
    for reminder in batch.reminders:
        sms.notify_by_sms(reminder.phone, reminder_text(reminder.days_remaining), reminder.account_id)
    return len(batch.reminders)


def remind(batch_size: int = 1000) -> dict[int, int]:
    """Claim and queue every due reminder in the caller's one transaction; returns how many per mark."""
    sent = {mark: 0 for mark in REMINDER_MARKS}
    for batch in remind_batches(batch_size):
        sent[batch.mark] += deliver(batch)
    return sent
