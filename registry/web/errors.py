"""Error pages and JSON errors: every refusal and every HTTP error in one shape, never a bare 500."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from registry.core.errors import DomainError
from registry.web.helpers import next_step
from registry.web.transaction import note_refusal

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """API paths answer JSON; pages answer HTML."""
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def json_error(status: int, code: str, message: str, fields: dict | None = None,
               retry_after: int | None = None):
    """The one JSON error shape: {"code", "message", "fields"}."""
    response = jsonify({"code": code, "message": message, "fields": fields or {}})
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(int(retry_after))
    return response


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "payload_too_large", 414: "uri_too_long", 415: "unsupported_media_type",
    410: "gone", 422: "validation_error", 429: "rate_limited",
}


def _http_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You are not allowed to do this."),
        404: _("The page or record does not exist."),
        405: _("This method is not allowed here."),
        413: _("The upload is too large."),
        414: _("The address is too long."),
        415: _("Send the request as JSON (Content-Type: application/json)."),
        429: _("Too many requests; please try again later."),
    }
    return messages.get(status, _("Something went wrong."))


def _status_title(status: int) -> str:
    """The page title of a refusal, in words (a person never reads a bare status number)."""
    titles = {
        400: _("The request could not be handled"), 401: _("Please log in"), 403: _("Not available to you"),
        404: _("Not found"), 409: _("Not possible yet"), 410: _("No longer available"),
        413: _("Too large"), 422: _("Please check what you entered"), 429: _("Please wait a moment"),
    }
    return titles.get(status, _("Something went wrong"))


def refusal_page(status: int, message: str):
    """The page of a refusal: why, in words, and the way on (the unfinished step, logging in, home)."""
    return render_template("error.html", status=status, title=_status_title(status), message=message,
                           next_step=next_step(current_user) if status < 500 else None), status


def register_error_handlers(app: Flask) -> None:
    """Attach handlers so no input produces an unhandled 500."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        note_refusal(error)
        if wants_json():
            return json_error(error.status, error.code, error.message, error.fields, error.retry_after)
        response = app.make_response(refusal_page(error.status, error.message))
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(int(error.retry_after))
        return response

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        message = _("The form has expired or its security token is missing; reload the page and try again.")
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return refusal_page(400, message)

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        message = _http_message(status)
        # Keep what the error says about the request (Allow on 405, Retry-After), never its body.
        headers = {name: value for name, value in error.get_headers() if name in ("Allow", "Retry-After")}
        if wants_json():
            response = json_error(status, _HTTP_CODES.get(status, "error"), message)
        else:
            response = app.make_response(refusal_page(status, message))
        response.headers.update(headers)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # Log the type and place only: messages may carry personal data.
        # The URL rule, not the path: a path can carry a certificate token.
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        log.error("unhandled %s at %s %s", type(error).__name__, request.method, rule,
                  exc_info=app.config.get("LOG_TRACEBACKS", True))
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise error
        message = _("Something went wrong on our side; nothing was changed.")
        if wants_json():
            return json_error(500, "internal_error", message)
        return refusal_page(500, message)
