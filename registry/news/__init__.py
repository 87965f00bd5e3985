"""News, notices and policies (最新动态与政策措施)."""
from __future__ import annotations

from typing import NamedTuple

from flask import Flask
from flask_babel import gettext as _

from registry.core import signals
from registry.news import demo, services, views
from registry.web import caching
from registry.web.home import ACCOUNT, MenuItem


def init_app(app: Flask) -> None:
    """Register the pages, the home page's latest-news global, the admin link and the demo articles."""
    app.register_blueprint(views.bp)
    caching.version_source(services.VERSION, services.fingerprint)
    app.add_template_global(latest_articles)
    signals.menu_items.connect(menu_items)
    signals.demo_seeding.connect(demo.seed_demo_articles)


class ArticleLink(NamedTuple):
    """What the home page shows of an article (plain values: kept between requests)."""

    id: int
    title: str
    published_at: object


def latest_articles(count: int = 5) -> list[ArticleLink]:
    """The newest published articles, for the home page; kept until the news change."""
    def newest() -> list[ArticleLink]:
        return [ArticleLink(a.id, a.title, a.published_at) for a in services.list_published(None, 1, count).items]
    return caching.cached_value(("latest_articles", count), newest, versions=(services.VERSION,))


def menu_items(_app) -> list[MenuItem]:
    return [MenuItem(ACCOUNT, "news.admin_list", lambda: _("News and policies"), roles=("admin",))]
