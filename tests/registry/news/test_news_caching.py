"""The news' version for the page store: what changes it, and the home page's latest-news fragment."""
from __future__ import annotations

import datetime as dt

from registry.core import clock
from registry.core.extensions import db
from registry.news import latest_articles, services


def publish(title="标题", publish=True):
    return services.save_article(None, kind="news", title=title, body="正文", source=None, publish=publish,
                                 actor_id=None)


def test_the_fingerprint_follows_every_change_the_public_sees(db_session, move_clock):
    start = services.fingerprint()
    article = publish()
    created = services.fingerprint()
    assert created != start
    move_clock(dt.timedelta(seconds=1))
    services.save_article(article, kind="news", title="改", body="正文", source=None, publish=True, actor_id=None)
    db.session.flush()
    edited = services.fingerprint()
    assert edited != created
    move_clock(dt.timedelta(seconds=1))
    services.unpublish(article, None)
    db.session.flush()
    assert services.fingerprint() not in (edited, created)


def test_a_scheduled_article_changes_the_fingerprint_when_its_time_comes(db_session, move_clock):
    article = publish("定时发布")
    article.published_at = clock.now() + dt.timedelta(hours=1)
    db.session.flush()
    before = services.fingerprint()
    move_clock(dt.timedelta(hours=2))
    assert services.fingerprint() != before


def test_latest_articles_are_kept_until_the_news_change(app, page_cache, db_session):
    publish("第一条")
    with app.test_request_context("/"):
        first = latest_articles(5)
        assert [a.title for a in first] == ["第一条"]
        assert latest_articles(5) is first  # the stored list, no query
        publish("第二条")
        assert [a.title for a in latest_articles(5)] == ["第二条", "第一条"]


def test_a_scheduled_article_reaches_the_cached_home_page_in_time(client, page_cache, db_session, move_clock):
    article = publish("明天的公告")
    article.published_at = clock.now() + dt.timedelta(days=1)
    db.session.flush()
    assert "明天的公告" not in client.get("/").get_data(as_text=True)
    move_clock(dt.timedelta(days=2))
    assert "明天的公告" in client.get("/").get_data(as_text=True)
