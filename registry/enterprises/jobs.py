"""Enterprise imports started from the operator's jobs page, resumable after a crash."""
from __future__ import annotations

import os
import tempfile

from flask_babel import gettext as _

from registry.enterprises import fileio
from registry.jobs.services import JobFailure, JobRun, job_kind

IMPORT_JOB = "enterprises.import"
KEPT_ERRORS = 100


@job_kind(IMPORT_JOB, lambda: _("Enterprise credit import"), max_attempts=3, retry_seconds=30.0,
          upload_formats=("csv", "jsonl"))
def import_enterprises(run: JobRun) -> dict:
    """Upsert the uploaded file's enterprises; each batch commits with the line it reached.

    A rerun re-checks the rows before that line (so duplicates and errors
    are reported as in one run) and loads only the rest; the added and
    updated counts carry over in the checkpoint, so the result is that of
    one uninterrupted run.
    """
    upload = run.file()
    state = {"line": 0, "inserted": 0, "updated": 0, **run.checkpoint}
    suffix = os.path.splitext(upload.filename)[1].lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(upload.content)
        handle.flush()
        base_inserted, base_updated = state["inserted"], state["updated"]
        try:
            _encoding, lines = fileio.detect_encoding(handle.name)
            report = None
            for report, _lines in fileio.import_batches(handle.name, source=run.payload.get("source"),  # noqa: B007
                                                        resume_after=state["line"]):
                state = {"line": report.loaded_through, "inserted": base_inserted + report.inserted,
                         "updated": base_updated + report.updated}
                run.save(state, done=min(report.loaded_through, lines), total=lines)
        except fileio.FileRejected as exc:
            raise JobFailure(_("The file cannot be read: %(reason)s", reason=str(exc)), retry=False) from None
    return {"rows": report.rows, "inserted": state["inserted"], "updated": state["updated"],
            "rejected": report.rejected, "errors": [[e.line, e.field, e.reason] for e in report.errors[:KEPT_ERRORS]]}
