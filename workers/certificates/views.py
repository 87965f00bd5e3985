"""The worker's certificate page and API, the published keys, and operator commands."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts import export as subject_export
from registry.accounts.models import Role
from registry.core import qr
from registry.core.errors import Forbidden, NotFound, RateLimited
from registry.core.extensions import db
from registry.core.signing import key_ring
from registry.web.api import dump, load_query, operation, require_json_api_login
from registry.web.helpers import roles_required
from registry.web.ratelimit import limiter, verification_limit
from workers.certificates import hotpath, messages, status_lists
from workers.certificates import services as certificates
from workers.certificates.schemas import (
    CertificateTokenSchema,
    StatusListIndexSchema,
    StatusListSchema,
    VerificationQuerySchema,
    VerificationSchema,
)
from workers.models import Worker
from workers.views import bp


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
                           colour_labels=messages.status_colour_labels(),
                           svg=qr.render_svg(shown.token), code=qr.format_fallback_code(shown.fallback_code),
                           refresh_seconds=max(30, int(certificates.token_lifetime().total_seconds()) - 60))


@bp.get("/api/v1/workers/me/certificate")
@operation("A fresh certificate token, fallback code and QR for the signed-in worker",
           response=CertificateTokenSchema, errors=(403, 409), tags=("certificates",))
@require_json_api_login
def api_certificate():
    shown, status = _shown()
    return dump(CertificateTokenSchema, {"token": shown.token, "fallback_code": shown.fallback_code,
                                    "fallback_code_display": qr.format_fallback_code(shown.fallback_code),
                                    "expires_at": shown.expires_at, "svg": qr.render_svg(shown.token),
                                    "status": status, "status_code": shown.status_code.colour,
                                    "status_code_label": messages.status_colour_labels()[shown.status_code.colour],
                                    "status_code_reasons": shown.status_code.reason_words()})


@bp.get("/api/v1/certificates/verification")
@operation("Check a certificate token (signature, key, expiry, revocation, departure); nothing personal",
           query=VerificationQuerySchema, response=VerificationSchema, errors=(429,), tags=("certificates",))
@limiter.limit(verification_limit, exempt_when=lambda: hotpath.COUNTED in request.environ)
def api_verify_token():
    # A successful check is answered by the fast path (hotpath.py) before Flask; it counted this call
    # against the limit already and sends here what it refuses, for the usual words and shapes.
    wait = request.environ.get(hotpath.LIMITED)
    if wait is not None:
        raise RateLimited(_("Too many requests; please try again later."), retry_after=wait)
    status, expires_at = certificates.token_status(load_query(VerificationQuerySchema)["token"])
    return dump(VerificationSchema, {"valid": True, "status": status, "expires_at": expires_at})


@bp.get("/api/v1/certificates/status-lists")
@operation("The published certificate status lists (W3C Bitstring Status List) an offline verifier caches",
           response=StatusListIndexSchema, tags=("certificates",))
def api_status_lists():
    lists = [{"id": list_id, "url": f"/api/v1/certificates/status-lists/{list_id}"}
             for list_id in status_lists.list_ids()]
    response = dump(StatusListIndexSchema, {"lists": lists, "size": status_lists.LIST_SIZE,
                                            "status_size": status_lists.STATUS_SIZE})
    response.headers["Cache-Control"] = f"public, max-age={status_lists.ttl_seconds()}"
    return response


@bp.get("/api/v1/certificates/status-lists/<int:list_id>")
@operation("One signed status list: a BitstringStatusListCredential as a compact JWS (verify with the JWKS)",
           response=StatusListSchema, tags=("certificates",))
def api_status_list(list_id: int):
    row = status_lists.published(list_id)
    if row is None:
        raise NotFound(_("No such status list."), code="status_list_unknown")
    etag = f'"{row.etag}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={status_lists.ttl_seconds()}"}
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")] \
            or request.headers.get("If-None-Match", "").strip() == "*":
        return "", 304, headers
    response = dump(StatusListSchema, {"id": row.id, "credential": row.credential, "valid_until": row.valid_until})
    response.headers.update(headers)
    return response


@bp.get("/.well-known/jwks.json")
def jwks():
    """Public keys that verify certificate tokens and a person's signed data export offline (RFC 7517).

    One set for both purposes; each key names itself by `kid`, which the token's header gives.
    """
    keys = [key for purpose in (certificates.KEY_PURPOSE, subject_export.KEY_PURPOSE)
            for key in key_ring(purpose).jwks()["keys"]]
    response = jsonify({"keys": keys})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


