"""The home page, the operator's index and the menus every domain adds to.

Menus are collected through `signals.menu_items`: each domain returns its
`MenuItem`s from a receiver connected in its `init_app`, so this module
knows no domain.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core import signals
from registry.core.extensions import db
from registry.core.signing import PURPOSES, key_ring
from registry.web import demo
from registry.web.caching import ALL, public_page

bp = Blueprint("home", __name__)

HOME = "home"        # a tile on the home page, for everyone
ACCOUNT = "account"  # a link in the personal center (or the admin index), for some roles
TAB = "tab"          # a tab of the phone's bottom bar, between 首页 and 我的 (its key names the icon)


@dataclass(frozen=True)
class MenuItem:
    """One entry a domain adds to a menu; titles are callables so they follow the reader's language."""

    menu: str
    endpoint: str
    title: Callable[[], str]
    subtitle: Callable[[], str] | None = None
    roles: tuple[str, ...] = ()
    key: str = ""


def menu(name: str, role: str | None = None) -> list[MenuItem]:
    """The items of one menu, in the order the domains were initialised; `role` filters role-bound items."""
    items: list[MenuItem] = []
    for _receiver, returned in signals.menu_items.send(current_app._get_current_object()):
        for item in returned or ():
            if item.menu == name and (not item.roles or role in item.roles) and item not in items:
                items.append(item)
    return items


@bp.app_context_processor
def tab_bar() -> dict:
    """The bottom tab bar on phones: 首页, the tabs the domains add for this role, 我的."""
    def tabs() -> list[dict]:
        role = current_user.role if current_user.is_authenticated else None
        middle = [{"key": item.key, "url": url_for(item.endpoint), "title": item.title()} for item in menu(TAB, role)]
        mine = url_for("accounts.personal_center") if role else url_for("accounts.login")
        return [{"key": "home", "url": url_for("home.index"), "title": _("Home")}, *middle,
                {"key": "me", "url": mine, "title": _("Me")}]
    return {"tab_bar": tabs}


def account_links(role: str) -> list[dict]:
    """The personal-center links for a role, ready for a template."""
    return [{"url": url_for(item.endpoint), "title": item.title()} for item in menu(ACCOUNT, role)]


@bp.get("/")
@public_page(versions=ALL)
def index():
    """首页: the entries of the app and the latest news (the news domain's template global); outside
    production also the demo accounts `flask demo seed` creates (like /dev/outbox, never in production)."""
    entries = [{"key": item.key, "url": url_for(item.endpoint), "title": item.title(),
                "subtitle": item.subtitle() if item.subtitle else ""}
               for item in menu(HOME, current_user.role if current_user.is_authenticated else None)]
    accounts = []
    if current_app.config.get("ENV") != "production":
        accounts = [{"phone": a.phone, "role": a.role(), "stage": a.stage()} for a in demo.demo_accounts()]
    return render_template("home.html", extra_home_entries=entries, demo_accounts=accounts)


@bp.get("/admin")
def admin_index():
    """The operator's tools, contributed by each domain."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return render_template("admin_index.html", links=account_links("admin"))


@bp.get("/healthz")
def health():
    """Liveness probe for load balancers: the process answers."""
    return {"status": "ok"}


@functools.cache
def _migration_heads(directory: str) -> frozenset[str]:
    """The newest revisions among the migration scripts (read once per process: they ship with the code)."""
    return frozenset(ScriptDirectory(directory).get_heads())


@bp.get("/readyz")
def ready():
    """Readiness probe: the database answers, its schema is at the newest migration, signing keys exist,
    and each domain's own checks pass (the job queue is reachable).

    Answers 503 with the failing checks named (never their details) so a
    load balancer keeps traffic away from a node that cannot serve.
    """
    checks = {"database": False, "migrations": False, "signing_keys": False}
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            checks["database"] = True
            current = set(MigrationContext.configure(connection).get_current_heads())
        checks["migrations"] = current == _migration_heads(current_app.extensions["migrate"].directory)
        checks["signing_keys"] = all(key_ring(purpose).keys() for purpose in PURPOSES)
    except sa.exc.SQLAlchemyError:
        pass
    app = current_app._get_current_object()
    for _receiver, answered in signals.readiness_checks.send(app):
        checks.update(answered or {})
    ready_now = all(checks.values())
    return {"status": "ready" if ready_now else "not_ready", "checks": checks}, 200 if ready_now else 503
