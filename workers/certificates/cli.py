"""`flask certs ...`: certificate signing keys and operator revocation."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.core import clock
from registry.core.effects import commit
from registry.core.extensions import db
from registry.core.signing import key_ring
from workers.certificates import services as certificates
from workers.models import Worker

cli = AppGroup("certs", help="Credit certificates: signing keys and revocation.")


@cli.command("rotate-key")
def rotate_key():
    """Start signing with a new key; keys older than every live token are retired."""
    ring = key_ring(certificates.KEY_PURPOSE)
    key = ring.rotate()
    # A key stops signing when the next one is made; tokens it signed live at
    # most one token lifetime, after which it can go.
    retired = ring.retire_older_than(clock.now() - certificates.token_lifetime())
    click.echo(f"signing with key {key.kid}; retired {len(retired)} old key(s); "
               f"{len(ring.keys())} key(s) published at /.well-known/jwks.json")


@cli.command("revoke")
@click.argument("account_id", type=int)
@click.option("--reason", required=True, help="Why the platform revokes this certificate.")
def revoke_command(account_id: int, reason: str):
    """Revoke a worker's certificate (operator action); every scan refuses at once."""
    worker = db.session.get(Worker, account_id)
    certificate = certificates.active_certificate(worker) if worker else None
    if certificate is None:
        raise click.ClickException(f"worker {account_id} has no active certificate")
    certificates.revoke(certificate, reason, None)
    commit()
    click.echo(f"certificate {certificate.id} of worker {account_id} revoked")
