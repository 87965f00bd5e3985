"""The worker's certificate page and API, the published keys, and operator commands."""
from __future__ import annotations

import click
from flask import jsonify, render_template
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from registry.core import clock, qr
from registry.accounts.models import Role
from registry.web.api import dump, load_query, operation, require_json_api_login
from registry.core.errors import Forbidden
from registry.core.extensions import db
from registry.core.signing import key_ring
from registry.web.helpers import roles_required
from workers import bp
from workers.certificates import services as certificates
from workers.models import Worker


class CertificateSchema(Schema):
    token = fields.String(metadata={"description": "JWS compact (EdDSA); verify with /.well-known/jwks.json"})
    fallback_code = fields.String(metadata={"description": "10 characters for manual entry"})
    expires_at = fields.DateTime()
    svg = fields.String(metadata={"description": "the QR code (error correction M) as inline SVG"})
    status = fields.String()


def _shown() -> tuple[certificates.ShownCertificate, str]:
    account = current_user._get_current_object()
    worker = db.session.get(Worker, account.id) if account.role == Role.WORKER.value else None
    if worker is None:
        raise Forbidden(_("Only registered domestic workers have a certificate."), code="not_a_worker")
    return certificates.show(worker), certificates.worker_status_of(worker)


@bp.get("/workers/certificate")
@roles_required(Role.WORKER.value)
def certificate_page():
    """信用证书: the QR renews itself while the page is open."""
    shown, status = _shown()
    return render_template("workers/certificate.html", shown=shown, status=status,
                           svg=qr.render_svg(shown.token), code=qr.format_fallback_code(shown.fallback_code),
                           refresh_seconds=max(30, int(certificates.token_lifetime().total_seconds()) - 60))


@bp.get("/api/v1/workers/me/certificate")
@operation("A fresh certificate token, fallback code and QR for the signed-in worker",
           response=CertificateSchema, tags=("certificates",))
@require_json_api_login
def api_certificate():
    shown, status = _shown()
    return dump(CertificateSchema, {"token": shown.token, "fallback_code": shown.fallback_code,
                                    "expires_at": shown.expires_at, "svg": qr.render_svg(shown.token),
                                    "status": status})


class VerificationQuerySchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class VerificationSchema(Schema):
    valid = fields.Boolean()
    status = fields.String(metadata={"description": "active | departed (离职)"})
    expires_at = fields.DateTime()


@bp.get("/api/v1/certificates/verification")
@operation("Check a certificate token (signature, key, expiry, revocation, departure); nothing personal",
           query=VerificationQuerySchema, response=VerificationSchema, tags=("certificates",))
def api_verify_token():
    status, expires_at = certificates.token_status(load_query(VerificationQuerySchema)["token"])
    return dump(VerificationSchema, {"valid": True, "status": status, "expires_at": expires_at})


@bp.get("/.well-known/jwks.json")
def jwks():
    """Public keys that verify certificate tokens offline (RFC 7517)."""
    response = jsonify(key_ring(certificates.KEY_PURPOSE).jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


certs_cli = AppGroup("certs", help="Credit certificates: signing keys and revocation.")


@certs_cli.command("rotate-key")
def rotate_key():
    """Start signing with a new key; keys older than every live token are retired."""
    ring = key_ring(certificates.KEY_PURPOSE)
    key = ring.rotate()
    # A key stops signing when the next one is made; tokens it signed live at
    # most one token lifetime, after which it can go.
    retired = ring.retire_older_than(clock.now() - certificates.token_lifetime())
    click.echo(f"signing with key {key.kid}; retired {len(retired)} old key(s); "
               f"{len(ring.keys())} key(s) published at /.well-known/jwks.json")


@certs_cli.command("revoke")
@click.argument("account_id", type=int)
@click.option("--reason", required=True, help="Why the platform revokes this certificate.")
def revoke_command(account_id: int, reason: str):
    """Revoke a worker's certificate (operator action); every scan refuses at once."""
    worker = db.session.get(Worker, account_id)
    certificate = certificates.active_certificate(worker) if worker else None
    if certificate is None:
        raise click.ClickException(f"worker {account_id} has no active certificate")
    certificates.revoke(certificate, reason, None)
    db.session.commit()
    click.echo(f"certificate {certificate.id} of worker {account_id} revoked")
