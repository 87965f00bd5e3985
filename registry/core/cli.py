"""`flask keys ...`: data-encryption keys (generate, rotate) and the signing keys' first start (init)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import AppGroup

from registry.core.crypto import EXTENSION_KEY, FieldCipher
from registry.core.effects import commit
from registry.core.keys import reencrypt_batches
from registry.core.signing import ensure_keys

cli = AppGroup("keys", help="Data-encryption keys.")


@cli.command("generate")
def generate_key():
    """Print a new data key (put it first in REGISTRY_DATA_KEYS, then run rotate)."""
    click.echo(Fernet.generate_key().decode())


@cli.command("rotate")
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
    changed: dict[str, int] = {}
    for table, count in reencrypt_batches(current_app.extensions[EXTENSION_KEY]):
        commit()
        changed[table] = changed.get(table, 0) + count
    for table, count in changed.items():
        click.echo(f"{table}: {count} rows re-encrypted")
    click.echo("all sensitive fields are sealed with the newest key; older keys may now be retired")


@cli.command("init")
def init_keys():
    """Give every signing purpose its first key (run once per deployment, after `flask db upgrade`; idempotent)."""
    for purpose, kid in ensure_keys().items():
        click.echo(f"{purpose}: signing with key {kid}")
