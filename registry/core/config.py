"""Configuration: defaults in code, then REGISTRY_* environment variables,
then instance/config.py, then the overrides a test passes to create_app."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet


class ConfigurationError(RuntimeError):
    """The app cannot start safely with this configuration."""


class DefaultConfig:
    """Settings every deployment starts from."""

    ENV = "development"
    SECRET_KEY: str | None = None
    # Fernet keys, newest first; older keys only decrypt (rotation).
    DATA_KEYS: list[str] = []
    # Key for the keyed hashes used to look up encrypted values.
    LOOKUP_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # A login lasts this long (remember-me: REMEMBER_DAYS); logout ends it server-side at once.
    LOGIN_SESSION_HOURS = 12
    REMEMBER_DAYS = 30
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ["zh", "en"]
    # SMS
    SMS_BACKEND = "outbox"
    # The outbox keeps messages instead of sending them: production refuses it unless this says it is meant.
    SMS_OUTBOX_IN_PRODUCTION = False
    SMS_GATEWAY_URL: str | None = None
    SMS_GATEWAY_HEADERS: dict[str, str] = {}
    SMS_GATEWAY_BODY_TEMPLATE = '{"phone": "{phone}", "text": "{message}"}'
    SMS_GATEWAY_TIMEOUT = 5.0
    SMS_SIGNATURE = "【家政信用】"
    SMS_CODE_TTL_SECONDS = 300
    SMS_CODE_MAX_ATTEMPTS = 5
    SMS_RESEND_SECONDS = 60
    SMS_DAILY_LIMIT_PER_PHONE = 10
    SMS_HOURLY_LIMIT_PER_IP = 30
    # Pagination
    PAGE_SIZE = 20
    # Registering as a domestic worker needs this age in full years (劳动法 art. 15: no work under 16),
    # counted from the birth date in the ID number, in China time; households have no age rule.
    WORKER_MIN_AGE = 16
    # Households' views (consent.grants): the longest grant a worker may give (30 days).
    VIEW_GRANT_MAX_HOURS = 720
    # Signing keys live in the database; each process re-checks for a rotation this often.
    SIGNING_KEYS_REFRESH_SECONDS = 5.0
    # Background jobs (registry.jobs): sqlite (embedded, instance/jobs.sqlite3), redis, or immediate (tests).
    JOBS_BACKEND = "sqlite"
    JOBS_REDIS_URL: str | None = None
    JOBS_SQLITE_PATH: str | None = None
    JOBS_WORKER_THREADS = 2
    # A running job renews its lease at every checkpoint; one whose lease ran out is taken over.
    JOBS_LEASE_SECONDS = 60.0
    # A pending job not picked up this long after queueing is queued again (a lost queue entry).
    JOBS_REQUEUE_SECONDS = 120.0
    IMPORT_MAX_BYTES = 64 * 1024 * 1024
    # Per-address limits (registry.web.ratelimit); the store is memory:// (per process) or a redis:// URL.
    RATE_LIMIT_STORAGE_URI = "memory://"
    VERIFY_RATE_LIMIT = "60/minute;600/day"
    # Public lookups (enterprise search and profiles, pages and API): a person reading is far below this.
    LOOKUP_RATE_LIMIT = "120/minute;3000/day"
    # Attempts to prove an SMS code (log in, register), per address, on top of each code's own 5 tries.
    SIGN_IN_RATE_LIMIT = "20/minute;200/day"
    # Observability: JSON log lines (default in production) and who may read /metrics.
    LOG_FORMAT: str | None = None
    METRICS_ALLOWED_NETWORKS: list[str] = ["127.0.0.1/32", "::1/128"]


ENV_PREFIX = "REGISTRY_"
_JSON_KEYS = {"DATA_KEYS", "SMS_GATEWAY_HEADERS", "SQLALCHEMY_ENGINE_OPTIONS", "LANGUAGES", "METRICS_ALLOWED_NETWORKS"}
_ENV_ALIASES = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}


def from_environment(environ: dict[str, str]) -> dict[str, Any]:
    """Read REGISTRY_* variables; JSON-valued settings are parsed, numbers converted."""
    settings: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX):]
        key = _ENV_ALIASES.get(key, key)
        default = getattr(DefaultConfig, key, None)
        if key in _JSON_KEYS:
            try:
                settings[key] = json.loads(raw)
            except ValueError as exc:
                raise ConfigurationError(f"{name} must be JSON: {exc}") from None
        elif isinstance(default, bool):
            settings[key] = raw.lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, int):
            settings[key] = int(raw)
        elif isinstance(default, float):
            settings[key] = float(raw)
        else:
            settings[key] = raw
    return settings


def ensure_development_keys(instance_path: str) -> dict[str, Any]:
    """Create (once) and load the secret key and data keys kept in instance/.

    Only for development: production must be given its keys explicitly.
    """
    path = Path(instance_path) / "keys.json"
    if path.exists():
        return json.loads(path.read_text())
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATA_KEYS": [Fernet.generate_key().decode()],
        "LOOKUP_KEY": secrets.token_urlsafe(48),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle, indent=2)
    return keys


def check_production(config: dict[str, Any]) -> None:
    """Refuse to run production without explicit keys and database."""
    missing = []
    if not config.get("SECRET_KEY"):
        missing.append("REGISTRY_SECRET_KEY")
    if not config.get("DATA_KEYS"):
        missing.append("REGISTRY_DATA_KEYS")
    if not config.get("LOOKUP_KEY"):
        missing.append("REGISTRY_LOOKUP_KEY")
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        missing.append("REGISTRY_DATABASE_URL")
    if missing:
        raise ConfigurationError(
            "Refusing to start in production: missing " + ", ".join(missing)
            + ". Set them in the environment or instance/config.py."
        )
    for key in config["DATA_KEYS"]:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigurationError("REGISTRY_DATA_KEYS holds a key that is not a Fernet key") from None
    if config.get("SMS_BACKEND", "outbox") == "outbox" and not config.get("SMS_OUTBOX_IN_PRODUCTION"):
        raise ConfigurationError(
            "Refusing to start in production with the SMS outbox (codes would never reach anyone): set "
            "REGISTRY_SMS_BACKEND=http and the gateway, or REGISTRY_SMS_OUTBOX_IN_PRODUCTION=1 for a staging copy.")
