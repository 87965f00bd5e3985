"""The home page with the app's main entries."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, Flask, current_app, render_template, url_for

from registry.news import services as news

bp = Blueprint("home", __name__)

HOME_ENTRIES_KEY = "registry.home_entries"


@dataclass(frozen=True)
class HomeEntry:
    """An entry tile on the home page, added by the domain that owns the page."""

    key: str
    endpoint: str
    title: Callable[[], str]
    subtitle: Callable[[], str]


def register_home_entry(app: Flask, entry: HomeEntry) -> None:
    """Add a tile to the home page (domains call this when their blueprint registers)."""
    entries = app.extensions.setdefault(HOME_ENTRIES_KEY, [])
    if all(existing.key != entry.key for existing in entries):
        entries.append(entry)


ACCOUNT_LINKS_KEY = "registry.account_links"


@dataclass(frozen=True)
class AccountLink:
    """A link in the personal center for accounts of some roles, added by the owning domain."""

    endpoint: str
    title: Callable[[], str]
    roles: tuple[str, ...]


def register_account_link(app: Flask, link: AccountLink) -> None:
    """Add a personal-center link (domains call this when their blueprint registers)."""
    links = app.extensions.setdefault(ACCOUNT_LINKS_KEY, [])
    if link not in links:
        links.append(link)


def account_links(role: str) -> list[dict]:
    """The personal-center links for a role, ready for a template."""
    return [{"url": url_for(link.endpoint), "title": link.title()}
            for link in current_app.extensions.get(ACCOUNT_LINKS_KEY, []) if role in link.roles]


@bp.get("/")
def index():
    """首页: latest news and the entries of the app."""
    latest = news.list_published(None, 1, 5)
    entries = [{"key": e.key, "url": url_for(e.endpoint), "title": e.title(), "subtitle": e.subtitle()}
               for e in current_app.extensions.get(HOME_ENTRIES_KEY, [])]
    return render_template("home.html", latest=latest.items, extra_home_entries=entries)


@bp.get("/admin")
def admin_index():
    """The operator's tools, contributed by each domain."""
    from flask import abort
    from flask_login import current_user

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return render_template("admin_index.html", links=account_links("admin"))


@bp.get("/healthz")
def health():
    """Liveness probe for load balancers."""
    return {"status": "ok"}
