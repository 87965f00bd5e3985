"""create_app: the only module that knows every domain.

Domains are initialised in layer order (lowest first), so signal receivers
run in that order too; each brings its blueprint, menus and receivers in its
own `init_app`, and each CLI group is added in one loop.
"""
from __future__ import annotations

import os
from typing import Any

from flask import Flask, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

import consent
import consumers
import disputes
import visits
import workers
from idcard.cli import nfc_cli
from registry import accounts, audit, enterprises, face, feeds, jobs, news
from registry.accounts import cli as accounts_cli
from registry.audit import cli as audit_cli
from registry.core import cli as core_cli
from registry.core import config as config_module
from registry.core.crypto import EXTENSION_KEY, FieldCipher
from registry.core.extensions import babel, csrf, db, login_manager, migrate
from registry.enterprises import cli as enterprises_cli
from registry.face import cli as face_cli
from registry.feeds import cli as feeds_cli
from registry.jobs import cli as jobs_cli
from registry.web import (
    api,
    caching,
    demo,
    errors,
    helpers,
    home,
    observability,
    pagepath,
    ratelimit,
    security,
    templating,
    transaction,
)
from workers import cli as workers_cli
from workers.certificates import cli as certificates_cli

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")

# Lowest layer first: the order receivers of a signal run in.
DOMAINS = (jobs, accounts, audit, news, face, feeds, enterprises, consent, workers, visits, disputes, consumers)

CLI_GROUPS = (core_cli.cli, jobs_cli.cli, accounts_cli.cli, audit_cli.cli, demo.cli, face_cli.cli, feeds_cli.cli,
              enterprises_cli.cli, workers_cli.cli, certificates_cli.cli, nfc_cli)

# `flask demo enterprises` generates synthetic enterprises (the command lives with them).
demo.cli.add_command(enterprises_cli.demo_enterprises)


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: defaults, then REGISTRY_* environment, then instance/config.py, then test_config.

    The instance folder (keys, SQLite file, trust stores) is ./instance unless
    instance_path or REGISTRY_INSTANCE_PATH says otherwise.
    """
    instance_path = instance_path or os.environ.get("REGISTRY_INSTANCE_PATH") or os.path.join(
        os.path.dirname(MIGRATIONS_DIR), "instance")
    app = Flask(__name__, instance_relative_config=True, instance_path=os.path.abspath(instance_path),
                static_folder=os.path.join(os.path.dirname(MIGRATIONS_DIR), "static"), static_url_path="/static")
    helpers.install_url_converters(app)
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
    app.extensions[EXTENSION_KEY] = FieldCipher(app.config["DATA_KEYS"], app.config["LOOKUP_KEY"])

    observability.init_app(app)  # first, so its request id and timing wrap everything else
    security.init_app(app)
    ratelimit.init_app(app)
    caching.init_app(app)  # ETag/304, Cache-Control, the public page store, versioned static URLs
    pagepath.install(app)  # stored public pages for anonymous visitors, answered in front of Flask
    app.register_blueprint(home.bp)
    app.register_blueprint(api.bp)
    for domain in DOMAINS:
        domain.init_app(app)
    for group in CLI_GROUPS:
        app.cli.add_command(group)
    transaction.init_app(app)
    errors.register_error_handlers(app)
    templating.init_templating(app)
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
        hops = int(config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"] = config.get("ENV") == "production"


def _select_locale() -> str:
    if not has_request_context():  # CLI commands and jobs speak the default language
        return "zh"
    return transaction.choose_language(request.args.get("lang"), session.get("lang"), request.accept_languages)
