"""News, notices and policies: public pages, API and admin editing."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.core import clock
from registry.core.extensions import db
from registry.news import services
from registry.news.models import Article
from tests.factories.accounts import make_account
from tests.factories.http import form_post, log_in


def publish(kind="news", title="标题", body="正文", when=None):
    article = services.save_article(None, kind=kind, title=title, body=body, source=None, publish=True, actor_id=None)
    if when:
        article.published_at = when
    db.session.flush()
    return article


def test_public_list_newest_first_filter_and_pages(client, app, db_session):
    now = clock.now()
    for n in range(25):
        publish(kind="policy" if n % 5 == 0 else "news", title=f"文章{n:02d}", when=now - dt.timedelta(hours=n))
    hidden = publish(title="未发布")
    hidden.published_at = None
    db_session.flush()
    data = client.get("/api/v1/articles").get_json()
    assert data["total"] == 25 and data["pages"] == 2 and data["items"][0]["title"] == "文章00"
    assert client.get("/api/v1/articles?page=2").get_json()["items"][-1]["title"] == "文章24"
    policies = client.get("/api/v1/articles?kind=policy").get_json()
    assert policies["total"] == 5 and {i["kind"] for i in policies["items"]} == {"policy"}
    page = client.get("/news?kind=policy").get_data(as_text=True)
    assert "文章05" in page and "文章01" not in page and "未发布" not in page


def test_bad_query_parameters(client, db_session):
    response = client.get("/api/v1/articles?kind=gossip&page=0")
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"kind", "page"}
    assert client.get("/news?kind=gossip&page=abc").status_code == 200


def test_detail_renders_markdown_safely(client, db_session):
    article = publish(body="# 标题\n\n**重点** <script>alert(1)</script> [链接](javascript:alert(1)) [官网](https://example.org)")
    html = client.get(f"/news/{article.id}").get_data(as_text=True)
    assert "<strong>重点</strong>" in html
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert 'href="https://example.org"' in html
    data = client.get(f"/api/v1/articles/{article.id}").get_json()
    assert "<strong>重点</strong>" in data["body_html"] and "<script>" not in data["body_html"]


def test_unpublished_and_future_articles_are_not_found(client, db_session):
    draft = services.save_article(None, kind="notice", title="草稿", body="x", source=None, publish=False,
                                  actor_id=None)
    future = publish(title="将来", when=clock.now() + dt.timedelta(days=1))
    for article in (draft, future):
        assert client.get(f"/news/{article.id}").status_code == 404
        response = client.get(f"/api/v1/articles/{article.id}")
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_admin_creates_edits_and_unpublishes(client, db_session):
    log_in(client, make_account(role="admin", name="管理员"))
    created = form_post(client, "/admin/news/new", {"kind": "policy", "title": "新政策", "body": "内容",
                                                    "source": "商务部", "publish": "y"})
    assert created.status_code == 302
    article = db_session.scalars(sa.select(Article).where(Article.title == "新政策")).one()
    assert article.published_at is not None and article.source == "商务部"
    edited = form_post(client, f"/admin/news/{article.id}/edit", {"kind": "notice", "title": "新通知", "body": "改",
                                                                  "publish": "y"})
    assert edited.status_code == 302
    assert client.get(f"/api/v1/articles/{article.id}").get_json()["title"] == "新通知"
    assert form_post(client, f"/admin/news/{article.id}/unpublish", {}).status_code == 302
    assert client.get(f"/api/v1/articles/{article.id}").status_code == 404
    kinds = db_session.scalars(sa.text("SELECT kind FROM audit_event WHERE kind LIKE 'article.%'")).all()
    assert kinds == ["article.created", "article.edited", "article.unpublished"]


def test_admin_form_errors_change_nothing(client, db_session):
    log_in(client, make_account(role="admin", name="管理员"))
    response = form_post(client, "/admin/news/new", {"kind": "gossip", "title": "", "body": ""})
    assert response.status_code == 422
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_only_admins_edit(client, db_session):
    log_in(client, make_account(role="consumer"))
    assert client.get("/admin/news").status_code == 403
    assert form_post(client, "/admin/news/new", {"kind": "news", "title": "x", "body": "y"}).status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/admin/news").status_code == 302
    assert client.get("/admin/news/999/edit").status_code == 403


def test_a_missing_article_is_refused_in_words_not_code(client, db_session):
    client.get("/?lang=en")
    body = client.get("/api/v1/articles/999999").get_json()
    assert body["code"] == "not_found" and body["message"] == "This article does not exist or is not published."
    assert "article not found" not in client.get("/news/999999").get_data(as_text=True)


def test_the_pager_says_next_and_previous_page(client, db_session):
    for n in range(45):
        publish(title=f"翻页{n:02d}")
    client.get("/?lang=en")
    middle = client.get("/news?page=2").get_data(as_text=True)
    assert ">Next page</a>" in middle and ">Previous page</a>" in middle
    assert ">Next</a>" not in middle  # "Next" is a step of a form (下一步), not a page (下一页)
