"""Data-key rotation: re-encrypt every encrypted column with the newest key."""
from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import AppGroup

from registry.core.crypto import EXTENSION_KEY, EncryptedBytes, EncryptedText, FieldCipher
from registry.core.extensions import db

keys_cli = AppGroup("keys", help="Data-encryption keys.")


def encrypted_columns() -> list[tuple[sa.Table, list[sa.Column]]]:
    """Every table with encrypted columns, from the model metadata."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (EncryptedText, EncryptedBytes))]
        if columns:
            found.append((table, columns))
    return found


def reencrypt_all(cipher: FieldCipher, batch: int = 500) -> dict[str, int]:
    """Re-seal every value not sealed by the newest key; returns rows changed per table."""
    changed: dict[str, int] = {}
    for table, columns in encrypted_columns():
        pk = list(table.primary_key.columns)[0]
        # Read the raw tokens: the columns' own types would decrypt them.
        raw_cols = [sa.column(c.name, sa.LargeBinary) for c in columns]
        raw_table = sa.table(table.name, sa.column(pk.name), *raw_cols)
        count = 0
        last = None
        while True:
            query = sa.select(raw_table).order_by(raw_table.c[pk.name]).limit(batch)
            if last is not None:
                query = query.where(raw_table.c[pk.name] > last)
            rows = db.session.execute(query).all()
            if not rows:
                break
            for row in rows:
                mapping = row._mapping
                last = mapping[pk.name]
                updates = {}
                for c in columns:
                    token = mapping[c.name]
                    if token is not None and not cipher.is_current(bytes(token)):
                        updates[c.name] = cipher.rotate(bytes(token))
                if updates:
                    db.session.execute(sa.update(raw_table).where(raw_table.c[pk.name] == last).values(**updates))
                    count += 1
            db.session.commit()
        changed[table.name] = count
    return changed


@keys_cli.command("generate")
def generate_key():
    """Print a new data key (put it first in REGISTRY_DATA_KEYS, then run rotate)."""
    click.echo(Fernet.generate_key().decode())


@keys_cli.command("rotate")
@click.option("--new-key/--no-new-key", default=None,
              help="Add a fresh key to instance/keys.json first (default in development).")
def rotate(new_key: bool | None):
    """Re-encrypt all sensitive fields with the newest data key."""
    config = current_app.config
    keys_path = Path(current_app.instance_path) / "keys.json"
    if new_key is None:
        new_key = config["ENV"] != "production" and keys_path.exists()
    if new_key:
        stored = json.loads(keys_path.read_text())
        stored["DATA_KEYS"] = [Fernet.generate_key().decode()] + stored["DATA_KEYS"]
        keys_path.write_text(json.dumps(stored, indent=2))
        config["DATA_KEYS"] = stored["DATA_KEYS"]
        current_app.extensions[EXTENSION_KEY] = FieldCipher(config["DATA_KEYS"], config["LOOKUP_KEY"])
        click.echo(f"added a new data key to {keys_path}")
    changed = reencrypt_all(current_app.extensions[EXTENSION_KEY])
    for table, count in changed.items():
        click.echo(f"{table}: {count} rows re-encrypted")
    click.echo("all sensitive fields are sealed with the newest key; older keys may now be retired")
