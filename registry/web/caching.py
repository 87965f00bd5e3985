"""HTTP caching of public pages, and a small in-process cache of what rarely changes.

Three pieces, each usable alone:

- **Validators and Cache-Control.** `public_page(...)` marks a view whose
  answer is the same for every anonymous visitor (home, news, enterprise
  search and profiles, their API). Such an answer carries an ETag (a hash of
  its body), Last-Modified (when it was rendered), `Cache-Control: public,
  max-age=PUBLIC_MAX_AGE` and `Vary: Cookie, Accept-Language`; a matching
  If-None-Match (or, without one, an If-Modified-Since not older than it) is
  answered 304. Any other response marked `public` by its view (the JWKS)
  gets an ETag and conditional answers too.
- **Never shared when personal.** A signed-in person, a session holding
  flashed messages, or an answer that sets a cookie (the session changed:
  a language chosen, a CSRF token made) is answered `Cache-Control: private,
  no-store` with no validator, and is never stored. Shared pages render no
  CSRF token at all (`base.html` asks `shared_page()`), so a stored body
  cannot hold one; storing also refuses when one was made anyway.
- **The page store.** Bodies of shared answers are kept per process
  (`PAGE_CACHE_ENTRIES`, least recently used out first), keyed by endpoint,
  path, query, language, text size and the *versions* the page depends on
  (`page_key`). A stored answer to a request with no cookie and no
  Authorization is sent by `registry.web.pagepath` in front of Flask, with
  the same key, versions and answer (`shared_response`); every other one by
  the view's wrapper here.

Invalidation across processes. With several gunicorn workers (and several
nodes), a process cannot hear another one's change. So each kind of content
names a version source: a function returning a cheap fingerprint read from
the database (the news: number of visible articles and their latest update).
A process re-reads a fingerprint at most every `PAGE_CACHE_CHECK_SECONDS`
(1 s), so a change made anywhere shows everywhere within a second, for one
tiny query per second per process instead of a page's worth per request;
the process that made the change forgets at once (`changed(name)` after its
commit). Content whose fingerprint would cost a scan of a large table (the
enterprise search over a million rows, which only an import or an operator
changes) is instead kept for a short time to live (`ttl`); pages that read
one row anyway (an enterprise's profile) pass that row's fingerprint as an
extra key, so they are exact.
"""
from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Flask, Request, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.http import http_date, parse_etags

from registry.core import effects

EXTENSION = "registry.page_cache"
STATIC_MAX_AGE = 31_536_000  # a year: a versioned static URL never changes content
PRIVATE = "private, no-store"
# versions=ALL: the page shows what several domains give it (the home page), so every declared version counts.
ALL = ("*",)

_version_sources: dict[str, Callable[[], Hashable]] = {}


@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    mimetype: str
    etag: str
    rendered: float
    expires: float | None


class PageCache:
    """What one process keeps: stored answers (LRU) and the last fingerprint read of each version."""

    def __init__(self, entries: int):
        self.entries = entries
        self._pages: OrderedDict[tuple, Entry] = OrderedDict()
        self._values: dict[tuple, tuple[float, object]] = {}
        self._versions: dict[Hashable, tuple[float, Hashable]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._values.clear()
            self._versions.clear()

    def version(self, name: str, check_seconds: float) -> Hashable:
        return self.memo(name, check_seconds, _version_sources[name])

    def memo(self, name: Hashable, check_seconds: float, read: Callable[[], Hashable]) -> Hashable:
        """A fingerprint kept for check_seconds (versions and rows' fingerprints alike)."""
        now = time.monotonic()
        known = self._versions.get(name)
        if known is not None and now - known[0] < check_seconds:
            return known[1]
        value = read()
        if len(self._versions) >= self.entries:
            self._versions.clear()
        self._versions[name] = (now, value)
        return value

    def forget_version(self, name: str) -> None:
        self._versions.pop(name, None)

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if entry.expires is not None and entry.expires < time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self._lock:
            self._pages[key] = entry
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)

    def value(self, key: tuple, ttl: float | None, compute: Callable[[], object]) -> object:
        """A computed value (a page fragment, a small list) kept under `key`, for `ttl` seconds if given."""
        now = time.monotonic()
        known = self._values.get(key)
        if known is not None and (known[0] is None or known[0] >= now):
            return known[1]
        value = compute()
        with self._lock:
            if len(self._values) >= self.entries:
                self._values.clear()  # fragments are few; a full table means keys churn, so start over
            self._values[key] = (now + ttl if ttl else None, value)
        return value


def version_source(name: str, fingerprint: Callable[[], Hashable]) -> None:
    """Declare what a kind of content's version is read from (a cheap query; called in the request)."""
    _version_sources[name] = fingerprint


def store() -> PageCache:
    return current_app.extensions[EXTENSION]


def enabled() -> bool:
    return bool(current_app.config["PAGE_CACHE"])


def version(name: str) -> Hashable:
    return store().version(name, current_app.config["PAGE_CACHE_CHECK_SECONDS"])


def changed(name: str) -> None:
    """Content of kind `name` changed in this transaction: this process forgets its version after the commit.

    Other processes notice within PAGE_CACHE_CHECK_SECONDS by re-reading the fingerprint.
    """
    effects.after_commit(lambda: store().forget_version(name))


def cached_value(key: tuple, compute: Callable[[], object], *, versions: tuple[str, ...] = (),
                 ttl: float | None = None) -> object:
    """A fragment or small list that is the same for everyone, kept until one of `versions` changes."""
    if not enabled():
        return compute()
    full_key = (*key, str(get_locale() or "zh"), *(version(name) for name in versions))
    return store().value(full_key, ttl, compute)


def is_personal() -> bool:
    """Whether this request's answer may depend on who asks (signed in, or a flashed message waiting)."""
    if "_flashes" in session:
        return True
    return bool(current_user and current_user.is_authenticated)


def shared_page() -> bool:
    """For templates: this page is rendered for any anonymous visitor (so it carries no CSRF token)."""
    return bool(g.get("shared_page"))


def _names(versions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(_version_sources)) if versions == ALL else versions


@dataclass(frozen=True)
class Page:
    """What `public_page` was told about a view (kept on the view as PAGE_MARK for registry.web.pagepath)."""

    versions: tuple[str, ...]
    ttl: float | str | None
    key: Callable[..., Hashable] | None


# functools.wraps carries the mark to the decorators outside public_page (the limiter's, operation).
PAGE_MARK = "registry_public_page"


def page_key(page: Page, endpoint: str, path: str, args, language: str, care: bool, view_args: dict) -> tuple | None:
    """The store key of a shared page's answer, its versions read (at most every PAGE_CACHE_CHECK_SECONDS).

    None when the answer is made without the store (the store is off, or the page's `key` found no row).
    The one computation of the key: the view's wrapper (in Flask) and registry.web.pagepath (in front of
    Flask, for anonymous requests) both call it; `args` is the request's query (a MultiDict).
    """
    if not enabled():
        return None
    extra = None
    if page.key:
        # A row's fingerprint is re-read at most every PAGE_CACHE_CHECK_SECONDS, like a version.
        extra = store().memo(("key", endpoint, path), current_app.config["PAGE_CACHE_CHECK_SECONDS"],
                             lambda: page.key(**view_args))
        if extra is None:
            return None
    return (endpoint, path, tuple(sorted(args.items(multi=True))), language, care, extra,
            *(version(name) for name in _names(page.versions)))


def _seconds(ttl: float | str | None) -> float | None:
    return float(current_app.config[ttl]) if isinstance(ttl, str) else ttl


def not_modified(req: Request, entry_etag: str, rendered: float) -> bool:
    """Whether the request's If-None-Match (or, without one, If-Modified-Since) matches a stored answer."""
    # Last-Modified has whole seconds: a change re-rendered within the second it was first rendered in
    # may be answered 304 by date, inside the staleness the version check allows anyway (ETags are exact).
    if "If-None-Match" in req.headers:
        return parse_etags(req.headers.get("If-None-Match")).contains(entry_etag)
    since = req.if_modified_since
    return since is not None and since.timestamp() >= int(rendered)


def shared_response(entry: Entry, req: Request) -> Response:
    """The answer to `req` from a stored (or just rendered) entry: the body or a 304, with the shared headers.

    Used by the view's wrapper and by registry.web.pagepath, so both answer alike.
    """
    if req.method in ("GET", "HEAD") and not_modified(req, entry.etag, entry.rendered):
        response = Response(status=304)
    else:
        response = Response(entry.body, status=entry.status, mimetype=entry.mimetype)
    response.set_etag(entry.etag)
    response.headers["Last-Modified"] = http_date(int(entry.rendered))
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PUBLIC_MAX_AGE']}"
    response.vary.update(("Cookie", "Accept-Language"))
    return response


def _answer(entry: Entry) -> Response:
    g.shared_answer = True
    return shared_response(entry, request)


def _storable(body: bytes) -> bool:
    """Whether a rendered shared answer may be kept for others (answered later also outside Flask)."""
    if "csrf_token" in g or session.modified:
        return False  # it made this visitor's token or cookie
    if g.get("allow_camera"):
        return False  # its Permissions-Policy is the page's own (a stored answer gets the default)
    nonce = getattr(request, "csp_nonce", None)
    # An inline script carrying this request's CSP nonce would not run under another answer's CSP.
    return not (nonce and nonce.encode() in body)


def public_page(*, versions: tuple[str, ...] = (), ttl: float | str | None = None,
                key: Callable[..., Hashable] | None = None):
    """Decorate a GET view whose 200 answer is the same for every anonymous visitor.

    `versions`: names given to `version_source` that the page shows (ALL:
    every one); `ttl`: seconds (or the config key holding them) to keep it
    when no version covers all it shows; `key`: called
    with the view's arguments, returns an extra key (a row's fingerprint),
    or None to answer without the store.
    """
    page = Page(versions, ttl, key)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if is_personal():
                g.personal_page = True
                return view(*args, **kwargs)
            g.shared_page = True
            cache_key = page_key(page, request.endpoint, request.path, request.args, str(get_locale() or "zh"),
                                 bool(session.get("care")), kwargs)
            if cache_key is not None:
                entry = store().get(cache_key)
                if entry is not None:
                    return _answer(entry)
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
                return response
            body = response.get_data()
            seconds = _seconds(ttl)
            entry = Entry(body, 200, response.mimetype, hashlib.blake2b(body, digest_size=12).hexdigest(),
                          time.time(), time.monotonic() + seconds if seconds else None)
            if cache_key is not None and _storable(body):
                store().put(cache_key, entry)
            return _answer(entry)
        setattr(wrapper, PAGE_MARK, page)
        return wrapper
    return decorate


# --- static files: versioned URLs, kept a year --------------------------------

@functools.lru_cache(maxsize=512)
def _file_version(path: str, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.blake2b(handle.read(), digest_size=5).hexdigest()


def _static_folder(app: Flask, endpoint: str) -> str | None:
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint else None


def init_app(app: Flask) -> None:
    """Settings, the static-URL versions, and the hook that keeps personal answers out of every cache."""
    app.config.setdefault("PAGE_CACHE", True)
    app.config.setdefault("PAGE_CACHE_ENTRIES", 2000)
    app.config.setdefault("PAGE_CACHE_CHECK_SECONDS", 1.0)
    app.config.setdefault("PUBLIC_MAX_AGE", 60)
    # Enterprise search answers: no cheap fingerprint covers a million rows, and only an import or an
    # operator changes them, so they are kept this long (profiles are checked against their own row).
    app.config.setdefault("ENTERPRISE_CACHE_SECONDS", 30)
    app.extensions[EXTENSION] = PageCache(app.config["PAGE_CACHE_ENTRIES"])
    app.add_template_global(shared_page)

    @app.url_defaults
    def static_version(endpoint, values):
        # /static/css/app.css?v=<content hash>: a new file is a new URL, so browsers may keep one a year.
        if not (endpoint == "static" or endpoint.endswith(".static")) or "v" in values:
            return
        folder = _static_folder(app, endpoint)
        filename = values.get("filename")
        if not folder or not filename:
            return
        path = os.path.join(folder, filename)
        try:
            values["v"] = _file_version(path, os.stat(path).st_mtime_ns)
        except OSError:
            return

    @app.after_request
    def caching_headers(response: Response) -> Response:
        endpoint = request.endpoint or ""
        if endpoint == "static" or endpoint.endswith(".static"):
            if request.args.get("v") and response.status_code == 200:
                response.cache_control.public = True
                response.cache_control.max_age = STATIC_MAX_AGE
                response.cache_control.immutable = True
                response.cache_control.no_cache = None
            return response
        shared = g.get("shared_answer")
        if shared and (session.modified or "csrf_token" in g):
            # The answer sets a cookie after all: it is this visitor's, not everyone's.
            _make_private(response)
        elif not shared:
            if "Cache-Control" not in response.headers and (
                    g.get("personal_page") or session.modified or "_user_id" in session or "_flashes" in session):
                # A signed-in person's page, one showing a message for them, or one setting their cookie:
                # no cache may keep it.
                _make_private(response)
            elif (response.cache_control.public and response.status_code == 200 and not response.is_streamed
                  and not response.get_etag()[0]):
                response.add_etag()
                response.make_conditional(request)
        return response


def _make_private(response: Response) -> None:
    response.headers["Cache-Control"] = PRIVATE
    for name in ("ETag", "Last-Modified", "Expires"):
        response.headers.pop(name, None)
