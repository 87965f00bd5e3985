"""Households: scanning certificates, asking to view, and viewing under a grant."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_login import current_user

from consumers import export, services, views, worker_views
from registry.core import signals
from registry.web.home import ACCOUNT, HOME, TAB, MenuItem

__all__ = ["init_app", "worker_views"]  # worker_views.py adds the worker's approval pages to views.bp


def init_app(app: Flask) -> None:
    """The scan, request and credit-view pages and API; personal-center links; deletion."""
    app.register_blueprint(views.bp)
    signals.menu_items.connect(menu_items)
    signals.account_deleting.connect(services.delete_requests)
    app.context_processor(page_prompts)
    export.connect()


def page_prompts() -> dict:
    """A worker sees households' requests the moment they arrive, on every page (polled, no reload)."""
    if current_user.is_authenticated and current_user.role == "worker":
        return {"page_prompts": ["consumers/_request_prompt.html"]}
    return {}


def menu_items(_app) -> list[MenuItem]:
    both, worker = ("consumer", "worker"), ("worker",)
    return [
        MenuItem(TAB, "consumers.scan_page", lambda: _("Scan"), roles=both, key="scan"),
        MenuItem(HOME, "consumers.scan_page", lambda: _("Scan a certificate"),
                 lambda: _("Check a domestic worker at the door"), roles=("consumer",), key="scan"),
        MenuItem(ACCOUNT, "consumers.scan_page", lambda: _("Scan a certificate"), roles=both),
        MenuItem(ACCOUNT, "consumers.my_views", lambda: _("Authorizations received"), roles=both),
        MenuItem(ACCOUNT, "consumers.worker_requests", lambda: _("Requests to view my credit information"),
                 roles=worker),
        MenuItem(ACCOUNT, "consumers.worker_grants", lambda: _("Authorizations I gave and who looked"), roles=worker),
    ]
