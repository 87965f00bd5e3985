"""The public scan-verify endpoint's fast path, in front of Flask.

`GET /api/v1/certificates/verification?token=...` is what every household's
scanner calls. A successful check is answered here, as a small WSGI layer
that runs before Flask builds its request: no session loading, login
manager, locale negotiation, CSRF check, talisman hooks, ORM session or
marshmallow dump, none of which a bare token check needs. What it does on
every call, as the Flask view does:

- counts the call against the per-address limit, in Flask-Limiter's own
  storage and strategy (`limiter.limiter`, the same counters and scope as the
  view's `@limiter.limit`), before anything else;
- verifies structure, key, signature and validity window of the token, then
  reads revocation, registration and departure in one indexed query on a
  pooled connection (no transaction of the ORM), so revocation and
  departure take effect at once;
- answers with the same security headers, request id, request log line and
  request metrics as every Flask answer.

Anything else (a refusal, a limit reached, a query of another shape, a URL
too long) goes on to the Flask view unchanged, marked as already counted, so
every refusal is worded in the reader's language by the usual error
handlers and counted once.
"""
from __future__ import annotations

import functools
import json
import logging
import time
from urllib.parse import unquote_plus

from flask import Flask
from limits import parse_many

from registry.core.database import declare_write_intent, reset_write_intent
from registry.core.extensions import db
from registry.web import observability, security
from registry.web.ratelimit import limiter
from workers.certificates import services

PATH = "/api/v1/certificates/verification"
RULE = PATH  # the URL rule the request log and metrics name
ENDPOINT = "workers.api_verify_token"  # the Flask view's endpoint: the limit's scope
COUNTED = "registry.certificates.counted"  # environ: this request was counted here
LIMITED = "registry.certificates.limited"  # environ: seconds to wait, the limit was reached here
MAX_QUERY = 1100  # "token=" and a token of tokens.MAX_TOKEN_LENGTH; longer goes to Flask (422/414)

log = logging.getLogger("registry.request")


@functools.lru_cache(maxsize=8)
def _limits(text: str):
    return tuple(parse_many(text))


class VerificationFastPath:
    """WSGI middleware answering successful scan-verify calls; everything else goes on to `next_app`."""

    def __init__(self, app: Flask, next_app):
        self.app = app
        self.next_app = next_app
        self.handle = security.behind_proxies(app, self._handle)
        self.production = app.config.get("ENV") == "production"
        # What talisman adds to a JSON answer, without and with HSTS (tests/workers/certificates compare them).
        self.headers = {hsts: security.fixed_headers(hsts) for hsts in (False, True)}

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD") \
                and COUNTED not in environ:
            return self.handle(environ, start_response)
        return self.next_app(environ, start_response)

    def _handle(self, environ, start_response):
        started = time.perf_counter()
        query = environ.get("QUERY_STRING", "")
        with self.app.app_context():
            intent = declare_write_intent(False)
            try:
                environ[COUNTED] = True
                wait = self._count(environ.get("REMOTE_ADDR") or "")
                if wait is not None:
                    environ[LIMITED] = wait
                    return self.next_app(environ, start_response)
                token = _token_of(query)
                if token is None:
                    return self.next_app(environ, start_response)
                try:
                    with scan_connection() as connection:
                        status, expires_at = services.token_status(token, connection.execute)
                except services.ScanRefused:
                    return self.next_app(environ, start_response)
                body = json.dumps({"expires_at": expires_at.isoformat(), "status": status, "valid": True},
                                  separators=(",", ":")).encode() + b"\n"
                return self._answer(environ, start_response, body, started)
            finally:
                reset_write_intent(intent)

    def _count(self, address: str) -> int | None:
        """Hit every configured limit for this address; seconds to wait when one is reached, else None."""
        strategy = limiter.limiter
        wait = None
        try:
            for item in _limits(self.app.config["VERIFY_RATE_LIMIT"]):
                if not strategy.hit(item, address, ENDPOINT):
                    reset = strategy.get_window_stats(item, address, ENDPOINT).reset_time
                    wait = max(1, int(reset - time.time()) + 1)
        except Exception:  # noqa: BLE001 - like swallow_errors: an unreachable store never blocks a scan
            log.warning("rate limit storage failed; the scan is not counted", exc_info=False)
            return None
        return wait

    def _answer(self, environ, start_response, body: bytes, started: float):
        request_id = observability.request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        method = environ["REQUEST_METHOD"]
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   *self.headers[security.wants_hsts(environ, self.production)], ("X-Request-ID", request_id)]
        start_response("200 OK", headers)
        observability.record_request(method, RULE, 200, time.perf_counter() - started, request_id)
        return [b""] if method == "HEAD" else [body]


def scan_connection():
    """A pooled connection of the scan's own for its one read, outside any ORM session.

    (The tests point this at their rolled-back transaction.)
    """
    return db.engine.connect()


def _token_of(query: str) -> str | None:
    """The token of a query that is exactly `token=<value>`; None for any other shape (Flask decides)."""
    if not query.startswith("token=") or "&" in query or len(query) > MAX_QUERY:
        return None
    token = query[6:]
    if "%" in token or "+" in token:
        try:
            token = unquote_plus(token, errors="strict")
        except UnicodeDecodeError:
            return None
    return token.strip() or None


def install(app: Flask) -> None:
    """Put the fast path in front of the app's WSGI callable (and any ProxyFix)."""
    app.wsgi_app = VerificationFastPath(app, app.wsgi_app)
