"""Background jobs: a durable job table, Huey as the queue (SQLite or Redis), the daily schedule.

Domains declare their job kinds in their own `jobs.py` (`services.job_kind`)
and daily runs with `schedule.daily`; this package knows none of them.
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import gettext as _
from prometheus_client.core import GaugeMetricFamily

from registry.core import signals
from registry.jobs import messages, queue, services, views
from registry.web import observability
from registry.web.home import ACCOUNT, MenuItem


def init_app(app: Flask) -> None:
    """The queue for this app, the operator's page, and the clean-up when an account goes."""
    queue.init_queue(app)
    app.register_blueprint(views.bp)
    app.add_template_global(messages.status_label)
    app.add_template_global(messages.kind_label)
    app.add_template_global(messages.error_label)
    app.add_template_global(messages.result_lines)
    signals.menu_items.connect(menu_items)
    signals.account_deleting.connect(services.delete_subject_jobs)
    signals.readiness_checks.connect(readiness)
    observability.add_gauges(app, gauges)


def menu_items(_app) -> list[MenuItem]:
    return [MenuItem(ACCOUNT, "jobs.admin_jobs", lambda: _("Imports and background jobs"), roles=("admin",))]


def gauges():
    """Jobs by status from the job table, and ids waiting in the queue itself."""
    by_status = GaugeMetricFamily("registry_jobs", "Jobs by status", labels=["status"])
    for status, count in services.counts().items():
        by_status.add_metric([status], count)
    yield by_status
    queue_depth = GaugeMetricFamily("registry_queue_depth", "Job ids waiting in the queue (-1: unreachable)")
    try:
        depth = current_app.extensions[services.QUEUE_EXTENSION].depth()
    except Exception:  # noqa: BLE001 - an unreachable queue is a value to show, not an error
        depth = -1
    queue_depth.add_metric([], depth)
    yield queue_depth


def readiness(app: Flask) -> dict[str, bool]:
    return {"queue": app.extensions[services.QUEUE_EXTENSION].reachable()}
