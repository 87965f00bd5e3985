"""Accounts: registration, SMS codes, login, personal center, deletion."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from registry.accounts import demo, devtools, export, jobs, services, sms, views
from registry.core import signals
from registry.core.extensions import login_manager
from registry.web.home import ACCOUNT, MenuItem

__all__ = ["init_app", "jobs"]  # jobs.py registers the SMS job kinds on import


def init_app(app: Flask) -> None:
    """The SMS backend, the session loader, the pages and API, the demo operator and household; the outbox only
    outside production."""
    sms.init_sms(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.user_loader(services.load_session_account)
    app.register_blueprint(views.bp)
    if app.config.get("ENV") != "production":
        app.register_blueprint(devtools.bp)
    signals.demo_seeding.connect(demo.seed_demo_operator)
    signals.demo_seeding.connect(demo.seed_demo_household)
    signals.demo_accounts.connect(demo.demo_accounts)
    signals.subject_export.connect(export.export_account)
    signals.subject_export_readable.connect(export.readable_account)
    signals.menu_items.connect(menu_items)


def menu_items(_app) -> list[MenuItem]:
    # Every role: whoever has an account may download what is held about them.
    return [MenuItem(ACCOUNT, "accounts.export_page", lambda: _("Download my data"))]
