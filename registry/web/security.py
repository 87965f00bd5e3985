"""Security headers on every answer, through flask-talisman (maintained; covers CSP nonces and HSTS).

- Content-Security-Policy: scripts only from this origin or carrying the
  request's nonce (`csp_nonce()` in templates), no plugins, no framing
  (frame-ancestors 'none'), forms post only here. Inline *styles* stay
  allowed: they cannot run code.
- X-Content-Type-Options nosniff, Referrer-Policy strict-origin-when-cross-origin
  (a certificate token in a URL never leaves the site in a Referer).
- Permissions-Policy: the camera is refused everywhere except on the pages
  that render a capture or scanner partial (they call `allow_camera()`), and
  microphone, geolocation and payment are refused everywhere.
- HSTS (one year) in production; talisman sends it on HTTPS requests only,
  which behind the proxy is what `REGISTRY_TRUSTED_PROXIES` reports.
"""
from __future__ import annotations

from flask import Flask, Request, abort, g, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NO_CAMERA = {"camera": "()", "microphone": "()", "geolocation": "()", "payment": "()"}
CAMERA_HERE = "camera=(self), microphone=(), geolocation=(), payment=()"

talisman = Talisman()


def allow_camera() -> str:
    """Called by the capture and scanner partials: this page may use the camera."""
    g.allow_camera = True
    return ""


MAX_URL_LENGTH = 4096
HSTS_MAX_AGE = 31_536_000


def url_too_long(req: Request) -> bool:
    """Past MAX_URL_LENGTH the app answers 414 (the fast paths in front of Flask leave it to Flask)."""
    return len(req.environ.get("RAW_URI") or req.full_path) > MAX_URL_LENGTH


def fixed_headers(hsts: bool = False) -> list[tuple[str, str]]:
    """What talisman adds to an answer that needs no nonce and no camera, in talisman's order.

    For answers made outside Flask (the scan-verify and page fast paths); their tests compare the two.
    The CSP carries no nonce: such an answer has no inline script (registry.web.caching never stores
    a page whose body holds the nonce it was rendered with). `hsts`: see `wants_hsts`.
    """
    csp = "; ".join(f"{name} {value if isinstance(value, str) else ' '.join(value)}" for name, value in CSP.items())
    headers = [("Permissions-Policy", ", ".join(f"{k}={v}" for k, v in NO_CAMERA.items())),
               ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Content-Security-Policy", csp)]
    if hsts:
        headers.append(("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}; includeSubDomains"))
    headers.append(("Referrer-Policy", "strict-origin-when-cross-origin"))
    return headers


def wants_hsts(environ: dict, production: bool) -> bool:
    """Whether talisman sends Strict-Transport-Security: in production, on HTTPS or X-Forwarded-Proto https."""
    return production and (environ.get("wsgi.url_scheme") in ("https", "wss")
                           or environ.get("HTTP_X_FORWARDED_PROTO", "http") == "https")


def init_app(app: Flask) -> None:
    production = app.config.get("ENV") == "production"

    @app.before_request
    def bounded_address():
        # gunicorn accepts request lines up to 8190 bytes (scripts/gunicorn.conf.py); past this the
        # app answers in its own shape (JSON on API paths) instead of the server's bare page.
        if url_too_long(request):
            abort(414)

    @app.after_request
    def camera_where_needed(response):
        # Registered before talisman's own hook, so it runs after it (Flask runs them in reverse).
        if g.get("allow_camera"):
            response.headers["Permissions-Policy"] = CAMERA_HERE
        return response

    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the proxy; redirecting here would loop behind it
        strict_transport_security=production,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=NO_CAMERA,
        session_cookie_secure=production,
        session_cookie_http_only=True,
        force_file_save=False,
    )
    app.add_template_global(allow_camera)


def behind_proxies(app: Flask, handler):
    """handler with the app's proxy fix applied, for WSGI layers in front of the Flask app (create_app
    applies the same fix to the Flask app itself), so limits count the client's address, not the proxy's."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    return ProxyFix(handler, x_for=hops, x_proto=hops, x_host=hops) if hops else handler
