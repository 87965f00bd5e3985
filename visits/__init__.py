"""Home visits (确认入户), and the ratings and complaints only a real visit allows.

Above `workers` (certificates name the worker at the door, affiliations the
enterprise) and `registry.enterprises` (an upheld complaint becomes a credit
record), below `disputes` and `consumers` (the household credit view shows a
worker's rating aggregates and complaint counts through
`visits.presenting.worker_feedback`).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from registry.core import signals
from registry.web.home import ACCOUNT, MenuItem
from visits import complaints, export, services, views


def init_app(app: Flask) -> None:
    """Pages and API; personal-center links; deletion with the account."""
    app.register_blueprint(views.bp)
    signals.menu_items.connect(menu_items)
    signals.account_deleting.connect(services.delete_visits)
    signals.worker_status_concerns.connect(complaints.status_concerns)
    export.connect()


def menu_items(_app) -> list[MenuItem]:
    return [
        MenuItem(ACCOUNT, "visits.my_visits", lambda: _("My home visits"), roles=("consumer", "worker")),
        MenuItem(ACCOUNT, "visits.entry_page", lambda: _("Confirm a worker's entry"), roles=("consumer",)),
        MenuItem(ACCOUNT, "visits.enterprise_complaints", lambda: _("Complaints and visits"),
                 roles=("enterprise_staff",)),
        MenuItem(ACCOUNT, "visits.admin_complaints", lambda: _("Complaints to mediate"), roles=("admin",)),
    ]
