"""Job statuses and kinds in the reader's words."""
from __future__ import annotations

from flask_babel import gettext as _

from registry.jobs.services import KINDS


def status_label(status: str) -> str:
    labels = {
        "pending": _("Waiting"),
        "running": _("Running"),
        "done": _("Finished"),
        "dead": _("Failed (out of attempts)"),
    }
    return labels.get(status, _("Unknown status"))


def kind_label(kind: str) -> str:
    spec = KINDS.get(kind)
    return spec.label() if spec else _("Unknown job")


def error_label(error: str | None) -> str:
    """A job's last failure for an operator: our own failures carry words, others only their kind."""
    if not error:
        return ""
    kind, _sep, words = error.partition(": ")
    if kind == "JobFailure" and words:
        return words
    if error.startswith("expired"):
        return _("It could not run before it stopped being useful.")
    if error.startswith("unknown job kind"):
        return _("No handler knows this kind of job.")
    if error.startswith("worker lost"):
        return _("The job worker stopped during every attempt (killed or out of memory).")
    return _("The job stopped with an internal error (%(kind)s); the log has details.", kind=kind)


def result_lines(result: dict | None) -> list[str]:
    """A finished job's summary as short sentences (counts only; no personal data is ever in it)."""
    if not result:
        return []
    words = {
        "rows": _("rows read"),
        "inserted": _("added"),
        "updated": _("updated"),
        "rejected": _("rejected"),
        "loaded": _("loaded"),
        "replaced": _("replaced"),
        "problems": _("lines with problems"),
        "departed": _("workers marked departed"),
        "reminders": _("reminders sent"),
        "trimmed": _("records trimmed by the retention rule"),
        "removed": _("records removed by the retention rule"),
        "sent": _("messages sent"),
    }
    return [f"{words[key]}: {value}" for key, value in result.items() if key in words and isinstance(value, int)]
