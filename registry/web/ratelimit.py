"""Per-address request limits for public, lookup-shaped endpoints, through Flask-Limiter.

The counters live in `REGISTRY_RATE_LIMIT_STORAGE_URI`: `memory://` (the
default: per process, so with N gunicorn workers an address gets up to N
times the limit) or the Redis URL shared by every node. An unreachable
store never blocks a request (errors are swallowed, counting falls back to
memory). A refusal is the app's JSON 429 with Retry-After.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.constants import HeaderNames
from flask_limiter.util import get_remote_address
from limits import parse_many

HEADERS = True  # X-RateLimit-* and Retry-After on every limited answer
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=HEADERS, swallow_errors=True,
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


@dataclass(frozen=True)
class SharedLimit:
    """A limit shared by several views under one scope, keyed by the client's address."""

    scope: str
    value: Callable[[], str]  # the limit's text ("120/minute;3000/day"), read from the config


LOOKUPS = SharedLimit("lookup", lookup_limit)
# The views a shared limit decorates name it here (functools.wraps carries it to outer decorators),
# so an answer made outside Flask (registry.web.pagepath) counts the same counters.
MARK = "registry_shared_limits"


def _shared(limit: SharedLimit):
    decorate = limiter.shared_limit(limit.value, scope=limit.scope)

    def apply(view):
        limited = decorate(view)
        setattr(limited, MARK, (*getattr(limited, MARK, ()), limit))
        return limited
    return apply


# One counter per kind of use, shared by its pages and API endpoints (a crawler cannot double
# its allowance by alternating between them).
def limit_lookups():
    return _shared(LOOKUPS)


@functools.lru_cache(maxsize=16)
def _items(text: str):
    # In Flask-Limiter's order: smallest window first.
    return tuple(sorted(parse_many(text)))


def hit_outside_flask(limits: tuple[SharedLimit, ...], address: str) -> list[tuple[str, str]] | None:
    """Count one answer made outside Flask against `limits`, as Flask-Limiter's check does for the view.

    Same storage, strategy, keys (key prefix, address, scope) and order. Returns the headers
    Flask-Limiter would add, or None when a limit is reached or the storage fails: the caller then
    leaves the request to Flask, whose limiter refuses it (429) or falls back to memory.
    """
    if not limits or not limiter.enabled:
        return []
    strategy = limiter.limiter
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    identity = [prefix] if prefix else []
    address = address or "127.0.0.1"  # as get_remote_address
    first = None
    try:
        for limit in limits:
            for item in _items(limit.value()):
                args = (*identity, address, limit.scope)
                if not strategy.hit(item, *args):
                    return None
                if first is None:
                    first = (item, args)
        if not HEADERS or first is None:
            return []
        item, args = first  # the header limit when none is breached: the first (smallest window)
        window = strategy.get_window_stats(item, *args)
    except Exception:  # noqa: BLE001 - Flask-Limiter decides what an unreachable store means
        return None
    reset_at = int(window.reset_time + 1)
    return [(HeaderNames.LIMIT.value, str(item.amount)), (HeaderNames.REMAINING.value, str(window.remaining)),
            (HeaderNames.RESET.value, str(reset_at)), (HeaderNames.RETRY_AFTER.value, str(int(reset_at - time.time())))]


def limit_sign_in():
    """Code submissions only (POST); showing a form stays free."""
    return limiter.shared_limit(sign_in_limit, scope="sign-in", methods=["POST"])


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATE_LIMIT_STORAGE_URI"])
    limiter.init_app(app)
