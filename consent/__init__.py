"""Credit-information authorization (授权书): letters, signed consents, receipts, per-view grants."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from consent import demo, export, grants, services, views
from registry.core import signals
from registry.web.home import ACCOUNT, MenuItem


def init_app(app: Flask) -> None:
    """The letter, receipts and API; personal-center links; deletion; the demo letter."""
    app.register_blueprint(views.bp)
    signals.menu_items.connect(menu_items)
    signals.account_deleting.connect(services.delete_consents)
    signals.account_deleting.connect(grants.delete_grants)
    signals.worker_standing_ended.connect(grants.on_standing_ended)
    signals.demo_seeding.connect(demo.seed_demo_letter)
    export.connect()  # the person's data export: their section and its words


def menu_items(_app) -> list[MenuItem]:
    return [
        MenuItem(ACCOUNT, "consent.my_consents", lambda: _("My authorizations"), roles=("worker",)),
        MenuItem(ACCOUNT, "consent.admin_letters", lambda: _("Authorization letter versions"), roles=("admin",)),
    ]
