"""Disputes (异议): a worker contests a wrong record held about them (PIPL art. 46), an operator decides.

Above `workers` and `registry.feeds` (whose records it references), below
`consumers` (whose credit view marks disputed records through
`services.open_disputes_of` and `services.disputed_label`).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from disputes import export, services, views
from registry.core import signals
from registry.web.home import ACCOUNT, MenuItem


def init_app(app: Flask) -> None:
    """The worker's and the operators' pages and API; personal-center links; deletion."""
    app.register_blueprint(views.bp)
    signals.menu_items.connect(menu_items)
    signals.account_deleting.connect(services.delete_disputes)
    export.connect()


def menu_items(_app) -> list[MenuItem]:
    return [
        MenuItem(ACCOUNT, "disputes.my_disputes", lambda: _("My disputes"), roles=("worker",)),
        MenuItem(ACCOUNT, "disputes.admin_queue", lambda: _("Disputed records"), roles=("admin",)),
    ]
