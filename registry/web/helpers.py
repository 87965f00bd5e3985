"""Helpers shared by the HTML views of every domain."""
from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError
from werkzeug.routing import IntegerConverter

from registry.core import signals
from registry.core.errors import DomainError
from registry.web.api import localize_messages
from registry.web.transaction import note_refusal

MAX_DATABASE_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def parse_form(schema: Schema, only: tuple[str, ...] | None = None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate posted form fields with an API schema; returns (data, errors by field).

    Pages and API share the schemas so a rule is written once. Fields not
    posted by the page (the CSRF token, the button) are ignored.
    """
    names = only or tuple(schema.fields)
    raw = {}
    for name in names:
        field = schema.fields[name]
        if name in request.form:
            raw[name] = request.form.get(name, "")
        elif field.__class__.__name__ == "Boolean":
            raw[name] = False
    return load_form(schema, raw, partial=tuple(n for n in schema.fields if n not in names))


def load_form(schema: Schema, raw: dict[str, Any], partial: tuple[str, ...] = ()
              ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate values a page gathered itself (lists, combined fields); returns (data, errors by field)."""
    try:
        return schema.load(raw, partial=partial), {}
    except ValidationError as exc:
        messages = localize_messages(exc.messages)
        messages = messages if isinstance(messages, dict) else {"_schema": messages}
        return {}, {k: (v if isinstance(v, list) else [str(v)]) for k, v in messages.items()}


def refusal_errors(error: DomainError) -> dict[str, list[str]]:
    """Field errors for a refused action on a page, recording its bookkeeping."""
    note_refusal(error)
    if error.fields:
        return {k: (v if isinstance(v, list) else [str(v)]) for k, v in error.fields.items()}
    return {"_form": [error.message]}


def roles_required(*roles: str):
    """Restrict a page to signed-in accounts of the given roles."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def next_step(account) -> tuple[str, str] | None:
    """(url, words) of the first unfinished step a domain names for this account (signals.next_step)."""
    if account is None or not getattr(account, "is_authenticated", False):
        return None
    for _receiver, answer in signals.next_step.send(account):
        if answer:
            return answer
    return None


def safe_next(target: str | None, default: str) -> str:
    """Only follow local redirect targets (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def flash_success(message: str) -> None:
    flash(message, "success")


def client_ip() -> str | None:
    """The client's address as the app sees it (ProxyFix applies trusted proxies)."""
    return request.remote_addr


def _face_check_number(raw: str | None) -> int | None:
    raw = raw or ""
    return int(raw) if raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_DATABASE_ID else None


def posted_face_check_id() -> int:
    """The face-check id a page posts after the face component passed; refuses a missing or bad one."""
    number = _face_check_number(request.form.get("face_check_id"))
    if number is None:
        raise DomainError(_("Verify your face first."), code="face_check_missing", status=422)
    return number


def returned_face_check() -> str:
    """The ?face_check= id the face component returns with, or "" when absent or malformed."""
    number = _face_check_number(request.args.get("face_check"))
    return "" if number is None else str(number)


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: a path number beyond a database id matches no route (404), never a 500."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_DATABASE_ID,
                 signed: bool = False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_url_converters(app) -> None:
    """Bound every `<int:...>` route part to what the database can hold (call before routes are registered)."""
    app.url_map.converters["int"] = DatabaseIdConverter
