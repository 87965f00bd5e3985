"""Feed imports from the operator's jobs page, and the daily five-year retention purge."""
from __future__ import annotations

import datetime as dt
import io

from flask_babel import gettext as _

from registry.feeds import services
from registry.feeds.schemas import KINDS
from registry.jobs.schedule import daily
from registry.jobs.services import JobRun, job_kind

PURGE_JOB = "feeds.purge"
BATCH = 1000
KEPT_ERRORS = 100

LABELS = {
    "tax": lambda: _("Tax feed import"),
    "bank_credit": lambda: _("Bank credit feed import"),
    "background_check": lambda: _("Background check feed import"),
    "health": lambda: _("Health check feed import"),
    "insurance": lambda: _("Insurance feed import"),
    "training": lambda: _("Training certificate feed import"),
}


def import_job_name(kind: str) -> str:
    return f"feeds.import.{kind}"


def _import_handler(kind: str):
    def import_feed(run: JobRun) -> dict:
        """Load the uploaded JSON Lines file; each batch commits with the line it reached (a rerun resumes there)."""
        content = run.file().content
        total = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
        state = {"line": 0, "loaded": 0, "replaced": 0, "problems": 0, "errors": [], **run.checkpoint}
        report = services.ImportReport()
        batch: list[tuple[int, bytes]] = []

        def load() -> None:
            nonlocal report, state
            services.import_lines(kind, batch, report)
            errors = state["errors"] + [[e.line, e.field, e.reason] for e in report.errors]
            state = {"line": batch[-1][0], "loaded": state["loaded"] + report.loaded,
                     "replaced": state["replaced"] + report.replaced,
                     "problems": state["problems"] + len(report.errors), "errors": errors[:KEPT_ERRORS]}
            report = services.ImportReport()
            run.save(state, done=state["line"], total=total)

        for number, line in enumerate(io.BytesIO(content), start=1):
            if number <= state["line"]:
                continue
            batch.append((number, line))
            if len(batch) >= BATCH:
                load()
                batch = []
        if batch:
            load()
        return {key: state[key] for key in ("loaded", "replaced", "problems", "errors")}

    return import_feed


for _kind in KINDS:
    job_kind(import_job_name(_kind), LABELS[_kind], max_attempts=3, retry_seconds=30.0,
             upload_formats=("jsonl",))(_import_handler(_kind))


# At night, when few people read feeds.
daily(PURGE_JOB, dt.time(3, 0))


@job_kind(PURGE_JOB, lambda: _("Retention purge of feed data (five years)"), max_attempts=5, retry_seconds=60.0)
def purge(run: JobRun) -> dict:
    state = {"last_id": 0, "trimmed": 0, "removed": 0, **run.checkpoint}
    for last_id, trimmed, removed in services.purge_batches(state["last_id"], BATCH):
        state = {"last_id": last_id, "trimmed": state["trimmed"] + trimmed, "removed": state["removed"] + removed}
        run.save(state, done=state["trimmed"] + state["removed"])
    return {"trimmed": state["trimmed"], "removed": state["removed"]}
