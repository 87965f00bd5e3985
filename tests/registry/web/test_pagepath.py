"""Stored public pages answered in front of Flask (registry/web/pagepath.py): the same answers, less work."""
from __future__ import annotations

import logging
import re

import pytest

from registry.core import effects
from registry.news import services as news
from registry.web import pagepath
from tests.factories.enterprises import make_enterprise

# Headers made for each request, which may differ between two answers of the same stored page.
PER_REQUEST = {"X-Request-ID", "Content-Security-Policy", "X-RateLimit-Remaining", "X-RateLimit-Reset",
               "Retry-After"}


def publish(title="动态"):
    return news.save_article(None, kind="news", title=title, body="正文", source=None, publish=True, actor_id=None)


# One entry per request the fast path saw: whether it answered it (the test client copies the environ,
# so the ANSWERED mark the layer sets cannot be read back from the response).
_answers: list[bool] = []


@pytest.fixture(autouse=True)
def watch_fast_path(monkeypatch):
    original_call, original_stored = pagepath.PageFastPath.__call__, pagepath.PageFastPath._stored

    def call(self, environ, start_response):
        _answers.append(False)
        return original_call(self, environ, start_response)

    def stored(self, environ):
        found = original_stored(self, environ)
        _answers[-1] = found is not None and pagepath.ANSWERED not in environ
        return found

    monkeypatch.setattr(pagepath.PageFastPath, "__call__", call)
    monkeypatch.setattr(pagepath.PageFastPath, "_stored", stored)
    _answers.clear()
    yield
    _answers.clear()


def answered_here(response) -> bool:
    """Whether the request just made (the one `response` answers) was answered in front of Flask."""
    assert response is not None and _answers
    return _answers[-1]


def raw_get(app, path, **headers):
    """A request carrying exactly these headers (the test client's own cookie jar would replace a Cookie)."""
    return app.test_client(use_cookies=False).get(path, headers=headers)


def flask_answer(client, path):
    # A cookie that is no session: Flask answers, from the store, as it does for any anonymous visitor.
    return raw_get(client.application, path, Cookie="unrelated=1")


def test_a_stored_page_is_answered_in_front_of_flask_as_flask_answers_it(app, client, page_cache, db_session,
                                                                         monkeypatch):
    publish("前面回答的动态")
    enterprise = make_enterprise("快速路径家政有限公司")
    paths = ("/", "/news", "/news?kind=news", "/api/v1/articles", "/api/v1/regions", "/enterprises",
             "/enterprises?q=快速", "/api/v1/enterprises?q=快速", f"/enterprises/{enterprise.credit_code}",
             f"/api/v1/enterprises/{enterprise.credit_code}")
    first, from_flask = {}, {}
    for path in paths:
        first[path] = client.get(path)  # rendered by the view, stored
        assert not answered_here(first[path]), path
        from_flask[path] = flask_answer(client, path)
        assert not answered_here(from_flask[path]), path
    monkeypatch.setattr(app, "full_dispatch_request", lambda: pytest.fail("Flask answered"))
    for path in paths:
        fast = client.get(path, headers={"X-Request-ID": "page-12345678"})
        assert fast.status_code == 200 and answered_here(fast), path
        slow = from_flask[path]
        assert fast.data == slow.data == first[path].data, path
        assert [k for k, _ in fast.headers] == [k for k, _ in slow.headers], path
        for name, value in slow.headers:
            if name not in PER_REQUEST:
                assert fast.headers[name] == value, (path, name)
        assert fast.headers["X-Request-ID"] == "page-12345678"
        # The CSP is Flask's without the request's nonce; no stored page needs one.
        assert fast.headers["Content-Security-Policy"] == re.sub(
            r" 'nonce-[^']+'", "", slow.headers["Content-Security-Policy"])
        assert b"nonce=" not in fast.data
    head = client.head("/news")
    assert head.status_code == 200 and head.data == b"" and answered_here(head)
    assert head.headers["Content-Length"] == first["/news"].headers["Content-Length"]


def test_conditional_requests_get_304_in_front_of_flask(app, client, page_cache, db_session, monkeypatch):
    first = client.get("/news")  # rendered and stored by the view
    monkeypatch.setattr(app, "full_dispatch_request", lambda: pytest.fail("Flask answered"))
    etag = first.headers["ETag"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"other", {etag}'},
                    {"If-Modified-Since": first.headers["Last-Modified"]}):
        again = client.get("/news", headers=headers)
        assert again.status_code == 304 and again.data == b"" and answered_here(again), headers
        assert again.headers["ETag"] == etag and "Content-Type" not in again.headers
    other = client.get("/news", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.data == first.data and answered_here(other)


def test_cookies_authorization_writes_and_choices_go_to_flask(client, page_cache, db_session):
    stored = client.get("/news")
    assert answered_here(client.get("/news"))
    for headers in ({"Cookie": "session=whatever"}, {"Cookie": ""}, {"Authorization": "Bearer abc"}):
        response = raw_get(client.application, "/news", **headers)
        assert response.status_code == 200 and not answered_here(response), headers
    chosen = client.get("/news?lang=en")  # remembered in the session: a cookie is set, Flask answers
    assert not answered_here(chosen) and "Set-Cookie" in chosen.headers
    client.delete_cookie("session")
    assert not answered_here(client.post("/news"))
    assert client.get("/news").data == stored.data


def test_the_language_is_chosen_as_the_app_chooses_it(client, page_cache, db_session):
    chinese = client.get("/news", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    english = client.get("/news", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert chinese.data != english.data
    for headers, first in (({"Accept-Language": "zh-CN,zh;q=0.9"}, chinese),
                           ({"Accept-Language": "en-GB, fr;q=0.5"}, english), ({}, chinese),
                           ({"Accept-Language": "fr"}, chinese)):
        again = client.get("/news", headers=headers)
        assert again.data == first.data and answered_here(again), headers


def test_a_news_edit_shows_at_once_in_this_process_and_within_the_check_in_others(app, client, page_cache,
                                                                                 db_session):
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 3600
    article = publish("原来的标题")
    assert "原来的标题" in client.get("/news").get_data(as_text=True)
    assert answered_here(client.get("/news"))
    # Another process's edit: this one re-reads the fingerprint only after the check interval.
    news.save_article(article, kind="news", title="别处改的标题", body="正文", source=None, publish=True,
                      actor_id=None)
    db_session.flush()
    kept = client.get("/news")
    assert answered_here(kept) and "原来的标题" in kept.get_data(as_text=True)
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 0
    fresh = client.get("/news")
    assert "别处改的标题" in fresh.get_data(as_text=True) and not answered_here(fresh)
    assert answered_here(client.get("/news"))
    # This process's own edit: forgotten at its commit.
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 3600
    news.save_article(article, kind="news", title="这里改的标题", body="正文", source=None, publish=True,
                      actor_id=None)
    db_session.flush()
    effects.run_pending()  # what the request's commit runs
    assert "这里改的标题" in client.get("/news").get_data(as_text=True)


def test_a_profile_change_shows_at_once(client, page_cache, db_session):
    enterprise = make_enterprise("改名前家政有限公司")
    path = f"/enterprises/{enterprise.credit_code}"
    client.get(path)
    assert answered_here(client.get(path))
    enterprise.name = "改名后家政有限公司"
    db_session.flush()
    changed = client.get(path)
    assert "改名后家政有限公司" in changed.get_data(as_text=True) and not answered_here(changed)


def test_the_lookup_limit_counts_answers_made_here_and_flask_refuses_past_it(app, client, page_cache,
                                                                            db_session, monkeypatch):
    monkeypatch.setitem(app.config, "LOOKUP_RATE_LIMIT", "4/minute")
    address = {"REMOTE_ADDR": "10.88.0.7"}
    first = client.get("/enterprises?q=家政", environ_base=address)  # Flask: counted, stored
    assert first.status_code == 200 and not answered_here(first)
    assert first.headers["X-RateLimit-Remaining"] == "3"
    for remaining in ("2", "1"):
        response = client.get("/enterprises?q=家政", environ_base=address)
        assert answered_here(response) and response.headers["X-RateLimit-Remaining"] == remaining
        assert response.headers["X-RateLimit-Limit"] == "4" and 1 <= int(response.headers["Retry-After"]) <= 61
    api = client.get("/api/v1/enterprises?q=家政", environ_base=address)  # one counter for pages and API
    assert api.status_code == 200 and api.headers["X-RateLimit-Remaining"] == "0"
    refused = client.get("/enterprises?q=家政", environ_base=address)
    assert refused.status_code == 429 and not answered_here(refused) and "text/html" in refused.content_type
    refused_api = client.get("/api/v1/enterprises?q=家政", environ_base=address)
    assert refused_api.status_code == 429 and refused_api.get_json()["code"] == "rate_limited"
    assert int(refused_api.headers["Retry-After"]) >= 1
    # (The refusal page set a session cookie on `client`; a new visitor from another address:)
    other = app.test_client().get("/enterprises?q=家政", environ_base={"REMOTE_ADDR": "10.88.0.8"})
    assert other.status_code == 200 and answered_here(other) and other.headers["X-RateLimit-Remaining"] == "3"
    # A page without a limit (the news) is answered here past it.
    visitor = app.test_client()
    visitor.get("/news", environ_base=address)
    news_page = visitor.get("/news", environ_base=address)
    assert news_page.status_code == 200 and answered_here(news_page) and "X-RateLimit-Limit" not in news_page.headers


@pytest.mark.parametrize("headers", [
    {"If-None-Match": 'garbage, "unterminated'}, {"If-None-Match": ","}, {"If-None-Match": "\x7f" * 300},
    {"If-Modified-Since": "yesterday"}, {"If-Modified-Since": "Mon, 99 Foo 2020 99:99:99 GMT"},
    {"Accept-Language": ";;;q=x, ,*;q=2"}, {"Accept-Language": "\xff\xfe"}, {"X-Request-ID": "bad id;;<>"},
    {"X-Forwarded-For": "not-an-address"}, {"X-Forwarded-Proto": "https"}, {"Host": "exa mple..com:99999"},
])
def test_malformed_headers_never_give_a_500(client, page_cache, db_session, headers, caplog):
    for path in ("/news", "/enterprises?q=家政", "/api/v1/enterprises?q=%ff%fe"):
        client.get(path)
        with caplog.at_level(logging.WARNING, logger="registry.request"):
            response = client.get(path, headers=headers)
        assert response.status_code < 500, (path, headers)
        assert "the page fast path failed" not in caplog.text


@pytest.mark.parametrize("path", ["/news?page=abc&kind=gossip", "/news/999999", "/enterprises/NOT-A-CODE",
                                  "/enterprises?q=%00%00", "/no-such-page", "/news/", "/api/v1/articles?lang=xx",
                                  "/news?" + "a=1&" * 1100, "/%ff%fe", "/enterprises/%C0%AF"])
def test_odd_addresses_go_to_flask_and_get_its_answer(client, page_cache, db_session, path):
    first = client.get(path)
    again = client.get(path)
    assert first.status_code < 500 and again.status_code == first.status_code, path
    if first.status_code != 200:
        assert not answered_here(again)
