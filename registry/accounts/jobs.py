"""Job kinds of accounts: text messages (sent after the commit that asked for them), the session clean-up."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from registry.accounts import services, sms
from registry.jobs.schedule import daily
from registry.jobs.services import JobRun, job_kind


def send_message(run: JobRun) -> dict:
    """One message; the outbox row (or the gateway's acceptance) and the job's end commit together.

    The job id goes to the gateway as the message's reference, so a provider
    that honours it drops the repeat a crash between its answer and our
    commit could cause.
    """
    sms.send_sms(run.payload["phone"], run.payload["body"], reference=f"job-{run.job_id}")
    return {"sent": 1}


# Notices: retried for about half an hour (30 s, 1, 2, 4, 8 min) before the dead letters.
job_kind(sms.MESSAGE_JOB, lambda: _("Text message"), max_attempts=6, retry_seconds=30.0)(send_message)
# Codes: retried quickly, not sent once a (default, five-minute) code has expired, and sent by the
# web process itself when the queue cannot be reached: the person is waiting to log in.
job_kind(sms.CODE_JOB, lambda: _("Verification code message"), max_attempts=3, retry_seconds=5.0,
         expires_seconds=300.0, inline_when_queue_down=True)(send_message)


SESSIONS_PURGE_JOB = "accounts.sessions_purge"
daily(SESSIONS_PURGE_JOB, dt.time(4, 0))


@job_kind(SESSIONS_PURGE_JOB, lambda: _("Removal of ended login sessions"), max_attempts=3, retry_seconds=60.0)
def purge_sessions(run: JobRun) -> dict:
    return {"removed": services.purge_sessions()}
