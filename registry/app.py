"""The household-services credit registry (家政服务信用信息平台)."""
from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, g, has_request_context, request, session

from registry.core import config as config_module
from registry.core.crypto import EXTENSION_KEY, FieldCipher
from registry.core.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: defaults, then REGISTRY_* environment, then instance/config.py, then test_config.

    The instance folder (keys, SQLite file, trust stores) is ./instance unless
    instance_path or REGISTRY_INSTANCE_PATH says otherwise.
    """
    instance_path = instance_path or os.environ.get("REGISTRY_INSTANCE_PATH") or os.path.join(
        os.path.dirname(MIGRATIONS_DIR), "instance")
    app = Flask(__name__, instance_relative_config=True, instance_path=os.path.abspath(instance_path),
                static_folder=os.path.join(os.path.dirname(MIGRATIONS_DIR), "static"), static_url_path="/static")
    app.config.from_object(config_module.DefaultConfig)
    app.config.update(config_module.from_environment(dict(os.environ)))
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    _finish_config(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    app.extensions[EXTENSION_KEY] = FieldCipher(app.config["DATA_KEYS"], app.config["LOOKUP_KEY"])

    from registry.accounts.sms import init_sms

    init_sms(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_request_transaction(app)

    from registry.core.errors import register_error_handlers
    from registry.web.templating import init_templating

    register_error_handlers(app)
    init_templating(app)
    return app


def _finish_config(app: Flask) -> None:
    config = app.config
    if config.get("ENV") == "production":
        config_module.check_production(config)
    else:
        if not all(config.get(key) for key in ("SECRET_KEY", "DATA_KEYS", "LOOKUP_KEY")):
            generated = config_module.ensure_development_keys(app.instance_path)
            for key, value in generated.items():
                if not config.get(key):
                    config[key] = value
        if not config.get("SQLALCHEMY_DATABASE_URI"):
            os.makedirs(app.instance_path, exist_ok=True)
            config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "registry.sqlite")
    if config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"] = config.get("ENV") == "production"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _select_locale() -> str:
    languages = ["zh", "en"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return "zh"
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "zh"


def _register_blueprints(app: Flask) -> None:
    from consent import init_app as init_consent
    from consumers import init_app as init_consumers
    from flask_babel import gettext

    from registry.web import api, home
    from registry.web.home import AccountLink, register_account_link
    from registry.accounts import bp as accounts_bp
    from registry.accounts.models import Account
    from registry.accounts.services import load_session_account
    from registry.enterprises import init_app as init_enterprises
    from registry.face import bp as face_bp
    from registry.feeds import services as feeds  # noqa: F401  (registers the account-deletion hook)
    from registry.news import bp as news_bp
    from workers import init_app as init_workers

    app.register_blueprint(home.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(news_bp)
    register_account_link(app, AccountLink("news.admin_list", lambda: gettext("News and policies"), ("admin",)))
    app.register_blueprint(face_bp)
    # Each domain registers its blueprint, home tiles and personal-center links.
    init_enterprises(app)
    init_workers(app)
    init_consent(app)
    init_consumers(app)
    if app.config.get("ENV") != "production":
        from registry.accounts import devtools

        app.register_blueprint(devtools.bp)

    @login_manager.user_loader
    def load_user(session_id: str) -> Account | None:
        return load_session_account(session_id)


def _register_cli(app: Flask) -> None:
    from registry.accounts.cli import admin_cli
    from registry.audit.cli import audit_cli
    from registry.web.demo import demo_cli
    from registry.face.cli import face_cli
    from registry.enterprises.cli import enterprises_cli  # also adds `flask demo enterprises`
    from registry.feeds.cli import feeds_cli
    from registry.core.keys import keys_cli
    from workers.certificates.views import certs_cli
    from workers.cli import workers_cli

    for group in (admin_cli, audit_cli, keys_cli, demo_cli, enterprises_cli, feeds_cli, workers_cli, face_cli, certs_cli):
        app.cli.add_command(group)
    try:
        from idcard.cli import nfc_cli
    except ImportError:  # the NFC package is optional for the core app
        return
    app.cli.add_command(nfc_cli)


def _register_request_transaction(app: Flask) -> None:
    """One commit or rollback per request, here and nowhere else in request code."""

    @app.before_request
    def remember_language():
        chosen = request.args.get("lang")
        if chosen in ("zh", "en"):
            session["lang"] = chosen

    @app.after_request
    def finish_transaction(response):
        if response.status_code < 400 or g.get("commit_refusal"):
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def discard_on_error(exc):
        if exc is not None:
            db.session.rollback()
