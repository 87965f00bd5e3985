"""Configuration order, development keys and the production guard."""
from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from registry.app import create_app
from registry.core.config import ConfigurationError


def test_development_creates_keys_in_instance_once(tmp_path, monkeypatch):
    monkeypatch.delenv("REGISTRY_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    stored = json.loads((tmp_path / "keys.json").read_text())
    assert app.config["SECRET_KEY"] == stored["SECRET_KEY"]
    assert app.config["DATA_KEYS"] == stored["DATA_KEYS"]
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
    again = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_default_database_is_sqlite_in_instance(tmp_path):
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/registry.sqlite"


def test_environment_then_instance_file_then_test_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_PAGE_SIZE", "7")
    monkeypatch.setenv("REGISTRY_SMS_SIGNATURE", "【环境】")
    monkeypatch.setenv("REGISTRY_SMS_RESEND_SECONDS", "33")
    (tmp_path / "config.py").write_text("SMS_SIGNATURE = '【实例】'\nSMS_RESEND_SECONDS = 44\n")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SMS_RESEND_SECONDS": 55},
                     instance_path=str(tmp_path))
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["SMS_SIGNATURE"] == "【实例】"
    assert app.config["SMS_RESEND_SECONDS"] == 55


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "sqlite:///" + str(tmp_path / "x.sqlite"))
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite")


def test_bad_json_setting_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATA_KEYS", "not json")
    with pytest.raises(ConfigurationError, match="REGISTRY_DATA_KEYS must be JSON"):
        create_app(instance_path=str(tmp_path))


def test_production_refuses_to_start_without_keys_and_database(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    with pytest.raises(ConfigurationError) as info:
        create_app(instance_path=str(tmp_path))
    message = str(info.value)
    for name in ("REGISTRY_SECRET_KEY", "REGISTRY_DATA_KEYS", "REGISTRY_LOOKUP_KEY", "REGISTRY_DATABASE_URL"):
        assert name in message
    assert not (tmp_path / "keys.json").exists()


def test_production_rejects_malformed_data_key(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    with pytest.raises(ConfigurationError, match="not a Fernet key"):
        create_app({"SECRET_KEY": "s", "DATA_KEYS": ["short"], "LOOKUP_KEY": "l",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))


def test_production_has_no_outbox_page(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    app = create_app({"SECRET_KEY": "s", "DATA_KEYS": [Fernet.generate_key().decode()], "LOOKUP_KEY": "l",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://", "SMS_OUTBOX_IN_PRODUCTION": True},
                     instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/dev/outbox" not in rules and "/api/v1/dev/outbox" not in rules


def test_unknown_sms_backend_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="unknown SMS backend"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SMS_BACKEND": "pigeon"}, instance_path=str(tmp_path))


def test_production_refuses_the_outbox_unless_it_is_meant(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    keys = {"SECRET_KEY": "s", "DATA_KEYS": [Fernet.generate_key().decode()], "LOOKUP_KEY": "l",
            "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(ConfigurationError, match="SMS outbox"):
        create_app(keys, instance_path=str(tmp_path))
    assert create_app({**keys, "SMS_BACKEND": "http", "SMS_GATEWAY_URL": "https://sms.example/send"},
                      instance_path=str(tmp_path)).config["SMS_BACKEND"] == "http"
