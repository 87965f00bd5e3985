"""Per-person data feeds from outside agencies (tax, bank credit summary, background check)."""
from __future__ import annotations

from flask import Flask

from registry.core import signals
from registry.feeds import jobs, services

__all__ = ["init_app", "jobs"]  # jobs.py registers the import and purge job kinds


def init_app(app: Flask) -> None:
    """A deleted account's feed rows go with it (loads run from registry.feeds.cli)."""
    signals.account_deleting.connect(services.delete_feeds)
