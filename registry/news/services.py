"""Publishing and listing articles."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import NotFound
from registry.core.extensions import db
from registry.core.pagination import Page, paginate
from registry.news.models import Article
from registry.web import caching

# The name of the news' version in registry.web.caching (home page, news list and articles show it).
VERSION = "news"


def _visible():
    return sa.and_(Article.published_at.is_not(None), Article.published_at <= clock.now())


def fingerprint() -> tuple:
    """What changes whenever a public news page would: one query over the small article table.

    Counts the visible articles (a scheduled one reaching its time counts) and
    every article, and takes the latest update (an edit, a publication, an unpublication).
    """
    visible = sa.func.sum(sa.case((_visible(), 1), else_=0))
    row = db.session.execute(sa.select(sa.func.count(), visible, sa.func.max(Article.updated_at))).one()
    return int(row[0]), int(row[1] or 0), row[2].isoformat() if row[2] else None


def list_published(kind: str | None, page: int, per_page: int) -> Page:
    """Published articles, newest first."""
    where = [_visible()]
    if kind:
        where.append(Article.kind == kind)
    query = sa.select(Article).where(*where).order_by(Article.published_at.desc(), Article.id.desc())
    return paginate(query, page, per_page)


def get_published(article_id: int) -> Article:
    """A published article or NotFound."""
    article = db.session.scalar(sa.select(Article).where(Article.id == article_id, _visible()))
    if article is None:
        raise NotFound(_("This article does not exist or is not published."))
    return article


def list_all(page: int, per_page: int) -> Page:
    """Every article, for the admin list."""
    return paginate(sa.select(Article).order_by(Article.created_at.desc(), Article.id.desc()), page, per_page)


def get_any(article_id: int) -> Article:
    """Any article by id (admin)."""
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound(_("This article does not exist."))
    return article


def save_article(article: Article | None, *, kind: str, title: str, body: str, source: str | None,
                 publish: bool, actor_id: int | None) -> Article:
    """Create or edit an article; publish keeps the first publication time."""
    created = article is None
    if article is None:
        article = Article(author_id=actor_id)
        db.session.add(article)
    article.kind, article.title, article.body, article.source = kind, title, body, source
    if publish and article.published_at is None:
        article.published_at = clock.now()
    elif not publish:
        article.published_at = None
    db.session.flush()
    caching.changed(VERSION)
    audit.record("article.created" if created else "article.edited", actor_id=actor_id,
                 article_id=article.id, published=publish)
    return article


def unpublish(article: Article, actor_id: int | None) -> None:
    """Take an article off the public pages."""
    article.published_at = None
    caching.changed(VERSION)
    audit.record("article.unpublished", actor_id=actor_id, article_id=article.id)
