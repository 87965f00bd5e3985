"""Publishing the certificate status lists: after every status change, and every few minutes."""
from __future__ import annotations

from flask_babel import gettext as _

from registry.jobs.schedule import every
from registry.jobs.services import JobRun, job_kind, submit
from workers.certificates import status_lists

PUBLISH_JOB = "certificates.status_lists"
# Departure follows from the date alone (no event): the lists are rebuilt at least this often.
PUBLISH_MINUTES = 5


def request_refresh() -> None:
    """A certificate's status changed: rebuild the lists once this transaction commits."""
    submit(PUBLISH_JOB)


every(PUBLISH_JOB, PUBLISH_MINUTES)


@job_kind(PUBLISH_JOB, lambda: _("Publish certificate status lists"), max_attempts=3, retry_seconds=10.0)
def publish(run: JobRun) -> dict:
    """Rebuild every list in use; each is committed on its own (a rerun redoes only the rest)."""
    done = list(run.checkpoint.get("done", []))
    changed = run.checkpoint.get("changed", 0)
    for list_id in status_lists.list_ids():
        if list_id in done:
            continue
        before = status_lists.current_etag(list_id)
        changed += status_lists.publish(list_id).etag != before
        done.append(list_id)
        run.save({"done": done, "changed": changed}, done=len(done))
    return {"lists": len(done), "changed": changed}
