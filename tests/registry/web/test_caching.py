"""HTTP caching of public pages: validators and 304s, nothing shared that is personal, static files."""
from __future__ import annotations

import re

import pytest

from registry.news import services as news
from registry.web import caching
from tests.factories.accounts import make_account
from tests.factories.http import csrf_token, log_in

PUBLIC_PAGES = ("/", "/news", "/enterprises", "/api/v1/articles", "/api/v1/regions")


def text(response) -> str:
    return str(response.get_json()) if response.is_json else response.get_data(as_text=True)


def publish(title="动态"):
    return news.save_article(None, kind="news", title=title, body="正文", source=None, publish=True, actor_id=None)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_answer_304_on_a_matching_etag(client, page_cache, path):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert {"Cookie", "Accept-Language"} <= set(first.vary)
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize("headers", [{"If-None-Match": 'garbage, "unterminated'}, {"If-None-Match": ","},
                                     {"If-None-Match": "\x7f" * 300}, {"If-Modified-Since": "yesterday"},
                                     {"If-Modified-Since": "Mon, 99 Foo 2020 99:99:99 GMT"}])
def test_malformed_conditional_headers_get_the_page(client, page_cache, headers):
    response = client.get("/news", headers=headers)
    assert response.status_code == 200 and b"<h1>" in response.data


def test_a_news_edit_changes_the_etag_of_every_page_that_shows_news(client, page_cache, db_session):
    article = publish("第一条")
    before = {path: client.get(path) for path in ("/", "/news", "/api/v1/articles")}
    assert all("第一条" in text(r) for r in before.values())
    news.save_article(article, kind="news", title="改过的标题", body="正文", source=None, publish=True, actor_id=None)
    db_session.flush()
    for path, old in before.items():
        new = client.get(path, headers={"If-None-Match": old.headers["ETag"]})
        assert new.status_code == 200, path
        assert new.headers["ETag"] != old.headers["ETag"] and "改过的标题" in text(new)


def test_another_process_change_shows_when_the_version_is_read_again(app, client, page_cache, db_session):
    # A change this process did not make (another gunicorn worker's) shows once the fingerprint is re-read.
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 3600
    publish("旧闻")
    assert "旧闻" in client.get("/news").get_data(as_text=True)
    publish("新闻来了")
    assert "新闻来了" not in client.get("/news").get_data(as_text=True)  # kept: the version was read just now
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 0
    assert "新闻来了" in client.get("/news").get_data(as_text=True)


def test_an_edit_through_the_admin_page_shows_at_once_in_this_process(app, client, page_cache, db_session):
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 3600
    article = publish("原标题")
    admin = make_account(role="admin")
    reader = app.test_client()
    assert "原标题" in reader.get("/news").get_data(as_text=True)
    log_in(client, admin)
    response = client.post(f"/admin/news/{article.id}/edit", data={
        "kind": "news", "title": "新标题", "body": "正文", "source": "", "publish": "y",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "新标题" in reader.get("/news").get_data(as_text=True)


def test_pages_of_a_signed_in_person_are_private_and_never_shared(app, client, page_cache, db_session):
    anonymous = app.test_client()
    stored = anonymous.get("/")  # now stored for anonymous visitors
    assert 'data-testid="entry-login"' in stored.get_data(as_text=True)
    assert stored.headers["Cache-Control"].startswith("public")
    log_in(client, make_account())
    for path in ("/", "/news", "/enterprises", "/api/v1/articles"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers
        assert client.get(path, headers={"If-None-Match": "*"}).status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="entry-login"' not in home
    assert 'name="csrf-token"' in home  # a signed-in person's pages keep their token (their forms post)
    assert anonymous.get("/").data == stored.data  # the anonymous copy never took the person's page


def test_a_shared_answer_sets_no_cookie_and_holds_no_csrf_token(app, page_cache, db_session):
    first = app.test_client()
    response = first.get("/")
    assert "Set-Cookie" not in response.headers and 'name="csrf-token"' not in response.get_data(as_text=True)
    # A visitor whose session holds a CSRF token gets the stored page: it carries no one's token.
    second = app.test_client()
    token = csrf_token(second)
    html = second.get("/").get_data(as_text=True)
    assert token not in html and 'name="csrf-token"' not in html
    assert not re.search(r'name="csrf_token" value="[^"]+"', html)
    for path in PUBLIC_PAGES:
        answer = second.get(path)
        assert "Set-Cookie" not in answer.headers, path
        assert answer.headers["Cache-Control"].startswith("public"), path


def test_an_answer_that_sets_a_cookie_is_private(app, page_cache, db_session):
    response = app.test_client().get("/news?lang=en")  # the language choice goes into the session cookie
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers


def test_a_flashed_message_makes_the_page_personal(app, page_cache, db_session):
    shared = app.test_client().get("/").data
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "只给这位访客看的消息")]
    response = visitor.get("/")
    assert "只给这位访客看的消息" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert app.test_client().get("/").data == shared


def test_static_files_have_versioned_urls_kept_a_year(client):
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', html).group(1)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == caching.STATIC_MAX_AGE and response.cache_control.public
        assert response.cache_control.immutable
    with client.get("/static/css/app.css") as unversioned:
        assert unversioned.status_code == 200 and unversioned.cache_control.max_age != caching.STATIC_MAX_AGE
    blueprint_file = re.search(r'src="(/static/enterprises/regions\.js\?v=[0-9a-f]+)"',
                               client.get("/enterprises").get_data(as_text=True))
    with client.get(blueprint_file.group(1)) as response:
        assert response.cache_control.max_age == caching.STATIC_MAX_AGE
    assert client.get("/static/no-such-file.css?v=1").status_code == 404


def test_the_jwks_answers_304_on_its_etag(client):
    first = client.get("/.well-known/jwks.json")
    assert first.headers["ETag"] and first.headers["Cache-Control"].startswith("public")
    assert client.get("/.well-known/jwks.json", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("path", ["/news?page=abc&kind=gossip", "/news?page=99999999999999999999",
                                  "/enterprises?page=abc", "/enterprises?q=%00%00", "/enterprises?province=zz",
                                  "/api/v1/articles?page=-1", "/api/v1/enterprises?page=abc",
                                  "/api/v1/enterprises?q=a", "/api/v1/regions?parent=nope",
                                  "/news/999999", "/enterprises/NOT-A-CODE", "/api/v1/enterprises/91110105MA00000000"])
def test_bad_queries_on_cached_pages_get_a_clear_answer(client, page_cache, path):
    response = client.get(path)
    assert response.status_code in (200, 404, 422), (path, response.status_code)
    if response.status_code != 200:
        assert "ETag" not in response.headers and "public" not in response.headers.get("Cache-Control", "")
    assert client.get(path).status_code == response.status_code  # a refusal is not stored as something else
