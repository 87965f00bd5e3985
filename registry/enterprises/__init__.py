"""Enterprise credit registry (企业信用查询): profiles, credit records, search, import."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from registry.core import signals
from registry.enterprises import admin, demo, jobs, staff_views, views
from registry.web.home import ACCOUNT, HOME, TAB, MenuItem

# admin.py and staff_views.py add the operators' and the enterprise staff's pages to views.bp; jobs.py
# registers the import job kind.
__all__ = ["admin", "init_app", "jobs", "staff_views"]


def init_app(app: Flask) -> None:
    """The public search and detail pages, the operator's pages and their menu entries, the demo enterprise."""
    app.register_blueprint(views.bp)
    signals.menu_items.connect(menu_items)
    signals.demo_seeding.connect(demo.seed_demo_enterprise)
    signals.demo_accounts.connect(demo.demo_accounts)


def menu_items(_app) -> list[MenuItem]:
    return [
        MenuItem(HOME, "enterprises.search_page", lambda: _("Enterprise credit"),
                 lambda: _("Query by region, credit code, name or brand"), key="enterprises"),
        MenuItem(ACCOUNT, "enterprises.admin_list", lambda: _("Enterprise credit records"), roles=("admin",)),
        MenuItem(ACCOUNT, "enterprises.own_profile_page", lambda: _("Our enterprise's profile and commitment"),
                 roles=("enterprise_staff",)),
        MenuItem(TAB, "enterprises.search_page", lambda: _("Enterprise credit"), key="enterprises"),
    ]
