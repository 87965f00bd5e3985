"""The request owns the transaction: one commit or rollback per request, here and nowhere else.

After a successful commit the side effects the services queued
(`registry.core.effects.after_commit`, e.g. SMS notices) run; after a
rollback they are dropped. A refusal whose bookkeeping must be kept (a
wrong SMS code counts against its tries) is still committed.
"""
from __future__ import annotations

from flask import Flask, g, request, session

from registry.core import effects
from registry.core.database import declare_write_intent, reset_write_intent
from registry.core.errors import DomainError
from registry.core.extensions import db

LANGUAGES = ("zh", "en")
READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


def choose_language(asked: str | None, remembered: str | None, accept_languages) -> str:
    """The reader's language: `?lang=`, else the one remembered in the session, else Accept-Language.

    Babel's locale selector (registry.app) and the page fast path (registry.web.pagepath) both ask here.
    """
    chosen = asked or remembered
    if chosen in LANGUAGES:
        return chosen
    return accept_languages.best_match(LANGUAGES) or "zh"


def remembered_choices(args) -> dict:
    """What a request's query asks the session to remember (`?lang=`, `?care=`): such an answer sets a cookie."""
    choices = {}
    chosen = args.get("lang")
    if chosen in LANGUAGES:
        choices["lang"] = chosen
    care = args.get("care")  # 关怀模式: larger text, remembered like the language
    if care in ("0", "1"):
        choices["care"] = care == "1"
    return choices


def note_refusal(error: DomainError) -> None:
    """Tell the request's transaction whether this refusal's bookkeeping is kept."""
    if error.commit_changes:
        g.commit_refusal = True


def init_app(app: Flask) -> None:
    """Attach the per-request transaction and the remembered language choice."""

    @app.before_request
    def declare_intent():
        # A request that may write takes SQLite's write lock when its transaction begins.
        g.write_intent_token = declare_write_intent(request.method not in READ_ONLY_METHODS)

    @app.before_request
    def remember_language():
        for name, value in remembered_choices(request.args).items():
            session[name] = value

    @app.after_request
    def finish_transaction(response):
        if response.status_code < 400 or g.get("commit_refusal"):
            db.session.commit()
            effects.run_pending()
        else:
            db.session.rollback()
            effects.discard()
        return response

    @app.teardown_request
    def discard_on_error(exc):
        if exc is not None:
            db.session.rollback()
            effects.discard()
        token = g.pop("write_intent_token", None)
        if token is not None:
            reset_write_intent(token)
