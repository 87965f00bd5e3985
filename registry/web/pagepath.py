"""Stored public pages answered in front of Flask, for anonymous visitors.

A public page's stored answer (registry.web.caching) still cost a few
milliseconds through Flask: the request log and metrics, Flask-Limiter,
talisman, the session, flask-login, babel and the request's transaction all
run for an answer that is already made. This WSGI layer answers such a
request before Flask builds its own: a GET or HEAD with no Cookie and no
Authorization header (so no session, no signed-in person, no flashed
message), whose URL maps to a view marked `public_page`, and whose answer is
in the store under the key the view would compute (`caching.page_key`: the
same query, language from Accept-Language exactly as babel's selector
chooses it, the same versions, re-read at most every
PAGE_CACHE_CHECK_SECONDS, and the same row fingerprints). What it does, as
Flask would:

- counts the answer against the view's shared per-address limit (the
  enterprise lookups) in Flask-Limiter's storage, same keys, scope and
  strategy, and sends its X-RateLimit-* and Retry-After headers; a reached
  limit goes to Flask, whose limiter answers 429;
- answers the stored body or a 304 (`caching.shared_response`: ETag,
  Last-Modified, Cache-Control, Vary), with talisman's headers
  (`security.fixed_headers`; a stored page holds no nonce), the request id,
  the request log line and the request metrics.

Anything else (a miss, `?lang=` or `?care=` which set a cookie, an unknown
or redirected URL, a URL past the length limit, an error here) goes on to
Flask unchanged, which answers (and stores) as before.
"""
from __future__ import annotations

import logging
import time

from flask import Flask
from werkzeug.exceptions import HTTPException

from registry.core.database import declare_write_intent, reset_write_intent
from registry.web import caching, observability, ratelimit, security, transaction

ANSWERED = "registry.pagepath.answered"  # environ: this request was answered here (tests look)
LIMITER_MARK = "__wrapper-limiter-instance"  # what Flask-Limiter's decorator sets on a view it limits

log = logging.getLogger("registry.request")


class PageFastPath:
    """WSGI middleware answering stored public pages; everything else goes on to `next_app`."""

    def __init__(self, app: Flask, next_app):
        self.app = app
        self.next_app = next_app
        self.handle = security.behind_proxies(app, self._handle)
        self.production = app.config.get("ENV") == "production"
        self.headers = {hsts: security.fixed_headers(hsts) for hsts in (False, True)}
        self.pages: dict[str, tuple[caching.Page, tuple[ratelimit.SharedLimit, ...]] | None] = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and "HTTP_COOKIE" not in environ \
                and "HTTP_AUTHORIZATION" not in environ:
            return self.handle(environ, start_response)
        return self.next_app(environ, start_response)

    def _handle(self, environ, start_response):
        started = time.perf_counter()
        try:
            found = self._stored(environ)
        except Exception:  # noqa: BLE001 - whatever failed here, Flask answers the request its own way
            log.warning("the page fast path failed; Flask answers", exc_info=True)
            found = None
        if found is None:
            return self.next_app(environ, start_response)
        response, rule = found
        environ[ANSWERED] = True
        request_id = observability.request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        response.headers["X-Request-ID"] = request_id
        body = response(environ, start_response)
        observability.record_request(environ["REQUEST_METHOD"], rule, response.status_code,
                                     time.perf_counter() - started, request_id)
        return body

    def _page(self, endpoint: str):
        """The view's public_page settings and shared limits; None when it is no public page or has a limit
        this layer cannot count (one not declared through ratelimit's shared limits)."""
        try:
            return self.pages[endpoint]
        except KeyError:
            pass
        view = self.app.view_functions.get(endpoint)
        page = getattr(view, caching.PAGE_MARK, None)
        limits = getattr(view, ratelimit.MARK, ())
        known = None
        if page is not None and (limits or not hasattr(view, LIMITER_MARK)):
            known = (page, limits)
        self.pages[endpoint] = known
        return known

    def _stored(self, environ):
        """(the answer, its URL rule) when the store holds this request's answer; else None."""
        with self.app.app_context():
            if not caching.enabled():
                return None
            req = self.app.request_class(environ)
            if security.url_too_long(req) or transaction.remembered_choices(req.args):
                return None  # Flask answers 414, or sets the session cookie the choice is remembered in
            try:
                rule, view_args = self.app.create_url_adapter(req).match(return_rule=True)
            except HTTPException:  # 404, 405, a redirect, an untrusted host: Flask answers
                return None
            known = self._page(rule.endpoint)
            if known is None:
                return None
            page, limits = known
            intent = declare_write_intent(False)
            try:
                language = transaction.choose_language(req.args.get("lang"), None, req.accept_languages)
                key = caching.page_key(page, rule.endpoint, req.path, req.args, language, False, view_args)
                entry = caching.store().get(key) if key is not None else None
                if entry is None:
                    return None
                limit_headers = ratelimit.hit_outside_flask(limits, req.remote_addr)
                if limit_headers is None:
                    return None  # the limit is reached: Flask's limiter refuses it
                response = caching.shared_response(entry, req)
            finally:
                reset_write_intent(intent)
        response.headers.extend(limit_headers)
        response.headers.extend(self.headers[security.wants_hsts(environ, self.production)])
        return response, rule.rule


def install(app: Flask) -> None:
    """Put the fast path in front of the app's WSGI callable (and any ProxyFix)."""
    app.wsgi_app = PageFastPath(app, app.wsgi_app)
