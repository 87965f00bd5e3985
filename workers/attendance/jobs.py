"""The daily departure sweep and check-in reminders as jobs, on the schedule in China Standard Time.

Both resume from their checkpoint after a crash: the sweep from the next id
range (its counts committed with each batch), the reminders from their own
claims (a claimed reminder is never selected again), so a rerun's final
result equals one uninterrupted run.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from registry.jobs.schedule import daily
from registry.jobs.services import JobRun, job_kind
from workers.attendance import departure

SWEEP_JOB = "workers.sweep"
REMIND_JOB = "workers.remind"
SWEEP_BATCH = 50_000

# Just after midnight: the new CST day's departures show from the start of the day.
daily(SWEEP_JOB, dt.time(0, 30))
# Reminders at a civil hour, after the sweep.
daily(REMIND_JOB, dt.time(9, 0))


@job_kind(SWEEP_JOB, lambda: _("Daily departure sweep"), max_attempts=5, retry_seconds=60.0)
def sweep(run: JobRun) -> dict:
    """Mark departed every worker past the 30-day rule, one id range per commit."""
    state = {"next_id": None, "departed": 0, **run.checkpoint}
    bounds = departure.id_range()
    total = (bounds[1] - bounds[0] + 1) if bounds else 0
    start = state["next_id"] if state["next_id"] is not None else (bounds[0] if bounds else 0)
    low = start
    for departed, covered in departure.sweep_batches(SWEEP_BATCH, start=start):
        low += covered
        state = {"next_id": low, "departed": state["departed"] + departed}
        run.save(state, done=low - (bounds[0] if bounds else 0), total=total)
    return {"departed": state["departed"]}


@job_kind(REMIND_JOB, lambda: _("Check-in reminders (25 and 29 days)"), max_attempts=5, retry_seconds=60.0)
def remind(run: JobRun) -> dict:
    """Claim due reminders and queue their messages, one batch per commit."""
    state = {"reminders": 0, **run.checkpoint}
    for batch in departure.remind_batches():
        state = {"reminders": state["reminders"] + departure.deliver(batch)}
        run.save(state, done=state["reminders"])
    return {"reminders": state["reminders"]}
