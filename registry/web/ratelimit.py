"""Per-address request limits for public, lookup-shaped endpoints, through Flask-Limiter.

The counters live in `REGISTRY_RATE_LIMIT_STORAGE_URI`: `memory://` (the
default: per process, so with N gunicorn workers an address gets up to N
times the limit) or the Redis URL shared by every node. An unreachable
store never blocks a request (errors are swallowed, counting falls back to
memory). A refusal is the app's JSON 429 with Retry-After.
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True, swallow_errors=True,
                  in_memory_fallback_enabled=True)


def verification_limit() -> str:
    """How often one address may check certificate tokens; a household's honest use is a few a day."""
    return current_app.config["VERIFY_RATE_LIMIT"]


def lookup_limit() -> str:
    """How often one address may search and open enterprise records (a crawler's pace, not a reader's)."""
    return current_app.config["LOOKUP_RATE_LIMIT"]


def sign_in_limit() -> str:
    """How often one address may try SMS codes, over every phone (each code also locks after 5 tries)."""
    return current_app.config["SIGN_IN_RATE_LIMIT"]


# One counter per kind of use, shared by its pages and API endpoints (a crawler cannot double
# its allowance by alternating between them).
def limit_lookups():
    return limiter.shared_limit(lookup_limit, scope="lookup")


def limit_sign_in():
    """Code submissions only (POST); showing a form stays free."""
    return limiter.shared_limit(sign_in_limit, scope="sign-in", methods=["POST"])


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATE_LIMIT_STORAGE_URI"])
    limiter.init_app(app)
