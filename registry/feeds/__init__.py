"""Per-person data feeds from outside agencies (tax, bank credit summary, background check)."""
from __future__ import annotations

from flask import Flask

from registry.core import signals
from registry.feeds import export, jobs, services

__all__ = ["init_app", "jobs"]  # jobs.py registers the import and purge job kinds


def init_app(app: Flask) -> None:
    """A deleted account's feed rows go with it, a person's export shows them (loads run from registry.feeds.cli)."""
    signals.account_deleting.connect(services.delete_feeds)
    signals.subject_export.connect(export.export_feeds)
    signals.subject_export_readable.connect(export.readable_feeds)
