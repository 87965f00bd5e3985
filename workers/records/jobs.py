"""Reminders 30 and 7 days before a health check or insurance policy ends, as a daily job.

Each reminder is marked sent in the batch that queues its SMS, so a rerun
after a crash sends none twice.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from registry.jobs.schedule import daily
from registry.jobs.services import JobRun, job_kind
from workers.records import services

REMIND_JOB = "workers.records.remind"

daily(REMIND_JOB, dt.time(9, 30))


@job_kind(REMIND_JOB, lambda: _("Expiry reminders for health checks and insurance (30 and 7 days)"),
          max_attempts=5, retry_seconds=60.0)
def remind(run: JobRun) -> dict:
    state = {"reminders": 0, **run.checkpoint}
    for batch in services.due_reminders():
        state = {"reminders": state["reminders"] + services.send_reminders(batch)}
        run.save(state, done=state["reminders"])
    return {"reminders": state["reminders"]}
