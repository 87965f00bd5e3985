"""Encryption at rest, key rotation and keyed lookups."""
from __future__ import annotations

import json

import flask_migrate
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from registry.accounts.models import Account
from registry.app import MIGRATIONS_DIR, create_app
from registry.core.crypto import EXTENSION_KEY, DecryptionError, FieldCipher
from registry.core.extensions import db
from registry.core.keys import encrypted_columns, reencrypt_all
from tests.factories.accounts import make_account


def raw_phone(session, account_id) -> bytes:
    return bytes(session.execute(sa.text("SELECT phone FROM account WHERE id = :i"), {"i": account_id}).scalar())


def test_cipher_round_trip_and_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = FieldCipher([old], "k")
    token = before.encrypt(b"13812345678")
    after = FieldCipher([new, old], "k")
    assert after.decrypt(token) == b"13812345678"
    assert not after.is_current(token)
    rotated = after.rotate(token)
    assert after.is_current(rotated) and FieldCipher([new], "k").decrypt(rotated) == b"13812345678"
    with pytest.raises(DecryptionError):
        FieldCipher([Fernet.generate_key().decode()], "k").decrypt(token)


def test_lookup_hash_is_keyed_and_purpose_bound():
    a = FieldCipher([Fernet.generate_key().decode()], "key-a")
    b = FieldCipher([Fernet.generate_key().decode()], "key-b")
    assert a.lookup_hash("13812345678", "phone") != b.lookup_hash("13812345678", "phone")
    assert a.lookup_hash("13812345678", "phone") != a.lookup_hash("13812345678", "id-number")


def test_every_sensitive_column_is_encrypted():
    names = {(table.name, col.name) for table, cols in encrypted_columns() for col in cols}
    assert {("account", "phone"), ("account", "id_number"), ("sms_message", "phone"),
            ("sms_message", "body")} <= names


def test_rotation_reencrypts_rows_and_old_key_can_retire(app, db_session):
    account = make_account(role="worker")
    original = app.extensions[EXTENSION_KEY]
    old_keys = list(app.config["DATA_KEYS"])
    new_key = Fernet.generate_key().decode()
    rotated = FieldCipher([new_key] + old_keys, app.config["LOOKUP_KEY"])
    try:
        app.extensions[EXTENSION_KEY] = rotated
        changed = reencrypt_all(rotated)
        assert changed["account"] >= 1
        token = raw_phone(db_session, account.id)
        assert rotated.is_current(token)
        # Only the new key is needed now.
        app.extensions[EXTENSION_KEY] = FieldCipher([new_key], app.config["LOOKUP_KEY"])
        db_session.expire_all()
        assert db_session.execute(sa.text("SELECT 1")).scalar() == 1
        assert db_session.get(Account, account.id).phone == account.phone
        assert reencrypt_all(app.extensions[EXTENSION_KEY])["account"] == 0
    finally:
        app.extensions[EXTENSION_KEY] = original


@pytest.mark.own_app
def test_keys_rotate_command_in_development(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/k.sqlite"}, instance_path=str(tmp_path))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        account = make_account(role="consumer")
        db.session.commit()
        account_id, phone = account.id, account.phone
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "account: 1 rows re-encrypted" in result.output
    stored = json.loads((tmp_path / "keys.json").read_text())
    assert len(stored["DATA_KEYS"]) == 2
    with app.app_context():
        assert db.session.get(Account, account_id).phone == phone
        db.engine.dispose()
