"""Signed status lists: what an offline verifier checks instead of calling the platform.

Model: W3C Bitstring Status List v1.0 (a `BitstringStatusListCredential`,
secured as a compact JWS with the certificate key, as VC-JOSE-COSE does),
chosen over the EU DCC revocation-list model because:

- a certificate needs more than "revoked": departed (离职, reversible when the
  worker checks in again), withdrawn authorization (reversible when they sign
  again) and revoked. The bitstring holds a 2-bit status per certificate
  (`statusPurpose` "message", `statusSize` 2); DCC lists carry hashes of
  revoked certificates only, and an entry cannot come back;
- every verifier downloads the same list, so the platform never learns which
  certificate was checked (herd privacy: 131,072 entries per list, the
  specification's minimum of 16 KB of bits, gzip makes it a few KB);
- lookup is one index, the list is one document per 131,072 certificates
  (DCC needs per-key, hash-partitioned chunks and Bloom filters to stay
  small when revocations are many; ours change daily with departures).

Each certificate's entry is derived from its id at creation (list =
(id - 1) // LIST_SIZE + 1, index = (id - 1) % LIST_SIZE): race-free between
processes. The index says only roughly when the certificate was issued,
and the token that carries it already names the certificate. Unused
indexes (not issued yet, or the certificate was deleted with its account)
read "revoked", so a forgotten entry can never pass.

Statuses: 0 active, 1 departed, 2 withdrawn (authorization withdrawn or
registration incomplete), 3 revoked. The list is rebuilt by a job when a
status changes and every few minutes (departure also follows from the
date alone); it is re-signed before it expires.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json

import sqlalchemy as sa
from flask import current_app

from registry.core import clock, tokens
from registry.core.extensions import db
from registry.core.signing import b64url, key_ring
from workers.certificates.models import Certificate, CertificateStatusList
from workers.models import RegistrationStep, Worker
from workers.services import status_expression

KEY_PURPOSE = "certificates"  # signed with the certificate tokens' key ring (services.KEY_PURPOSE)
LIST_SIZE = 131_072
STATUS_SIZE = 2
ACTIVE, DEPARTED, WITHDRAWN, REVOKED = 0, 1, 2, 3
MESSAGES = ({"status": "0x0", "message": "active"}, {"status": "0x1", "message": "departed"},
            {"status": "0x2", "message": "withdrawn"}, {"status": "0x3", "message": "revoked"})
CREDENTIAL_TYPE = "vc+jwt"  # the JWS typ of a list: never accepted where a certificate token is expected
LIST_BYTES = LIST_SIZE * STATUS_SIZE // 8
INTERIM_KEY = "certificates.status_lists.interim"


def entry_for(certificate_id: int) -> tuple[int, int]:
    """(status list id, index) of a certificate id."""
    list_index, index = divmod(certificate_id - 1, LIST_SIZE)
    return list_index + 1, index


def assign_entry(certificate: Certificate) -> None:
    """Give a flushed certificate its status-list entry (once)."""
    if certificate.status_list_id is None:
        certificate.status_list_id, certificate.status_index = entry_for(certificate.id)


def valid_seconds() -> int:
    """How long a signed list is valid: past this an offline verifier refuses it."""
    return int(current_app.config.get("CERTIFICATE_STATUS_LIST_VALID_SECONDS", 3600))


def ttl_seconds() -> int:
    """How often a verifier should fetch the list again (`ttl`, and the HTTP max-age)."""
    return int(current_app.config.get("CERTIFICATE_STATUS_LIST_TTL_SECONDS", 60))


def bits(list_id: int, today: dt.date | None = None) -> bytes:
    """The uncompressed bitstring of a list: STATUS_SIZE bits per index, index 0 in the left-most bits."""
    values = bytearray(b"\xff" * LIST_BYTES)  # every unused entry reads 3 (revoked)
    rows = db.session.execute(
        sa.select(Certificate.status_index, Certificate.revoked_at, Worker.registration_step,
                  status_expression(today or clock.china_today()).label("status"))
        .join(Worker, Worker.account_id == Certificate.worker_id)
        .where(Certificate.status_list_id == list_id, Certificate.status_index.is_not(None)))
    complete = RegistrationStep.COMPLETE.value
    for index, revoked_at, step, status in rows:
        value = (REVOKED if revoked_at is not None else WITHDRAWN if step != complete
                 else DEPARTED if status == "departed" else ACTIVE)
        byte, slot = divmod(index, 8 // STATUS_SIZE)
        shift = 8 - STATUS_SIZE * (slot + 1)
        values[byte] = (values[byte] & ~(0b11 << shift) & 0xFF) | (value << shift)
    return bytes(values)


def encode(raw: bytes) -> str:
    """encodedList: multibase base64url (prefix "u") of the GZIP-compressed bitstring (mtime 0: stable)."""
    return "u" + b64url(gzip.compress(raw, compresslevel=9, mtime=0))


def status_at(raw: bytes, index: int) -> int:
    """The status value at an index of an uncompressed bitstring."""
    byte, slot = divmod(index, 8 // STATUS_SIZE)
    return (raw[byte] >> (8 - STATUS_SIZE * (slot + 1))) & 0b11


def list_url(list_id: int) -> str:
    """The list's id: its address when REGISTRY_PUBLIC_BASE_URL is set, else a URN (the verifier knows where it fetched it)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/api/v1/certificates/status-lists/{list_id}" if base else f"urn:hscc:status-list:{list_id}"


def credential(list_id: int, raw: bytes, now: dt.datetime, valid_until: dt.datetime) -> dict:
    """The BitstringStatusListCredential (W3C VC data model 2.0) for one list."""
    url = list_url(list_id)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": (current_app.config.get("PUBLIC_BASE_URL") or "urn:hscc:registry").rstrip("/"),
        "validFrom": now.isoformat(timespec="seconds"),
        "validUntil": valid_until.isoformat(timespec="seconds"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "message",
            "statusSize": STATUS_SIZE,
            "statusMessage": list(MESSAGES),
            "ttl": ttl_seconds() * 1000,  # milliseconds, as the specification counts
            "encodedList": encode(raw),
        },
        # JWT claims beside the credential, so a JOSE verifier checks the window too.
        "list": list_id,
        "iat": int(now.timestamp()),
        "exp": int(valid_until.timestamp()),
    }


def publish(list_id: int, *, force: bool = False) -> CertificateStatusList:
    """Rebuild one list; re-sign it when its bits changed, when asked, or when half its validity is gone."""
    raw = bits(list_id)
    digest = hashlib.sha256(raw).hexdigest()
    now = clock.now()
    row = db.session.get(CertificateStatusList, list_id)
    if row is not None and not force and row.bits_sha256 == digest and \
            row.valid_until - now > dt.timedelta(seconds=valid_seconds()) / 2:
        return row
    values = _signed(list_id, raw, digest, now)
    if row is None:
        row = CertificateStatusList(id=list_id, **values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    db.session.flush()
    return row


def _signed(list_id: int, raw: bytes, digest: str, now: dt.datetime) -> dict:
    valid_until = now + dt.timedelta(seconds=valid_seconds())
    signed = tokens.sign_payload(key_ring(KEY_PURPOSE), json.dumps(
        credential(list_id, raw, now, valid_until), separators=(",", ":"), ensure_ascii=False).encode(),
        CREDENTIAL_TYPE)
    return {"credential": signed, "etag": hashlib.sha256(signed.encode()).hexdigest()[:32],
            "bits_sha256": digest, "built_at": now, "valid_until": valid_until}


def list_ids() -> list[int]:
    """Every list in use: those certificates name and those already published."""
    used = set(db.session.scalars(sa.select(Certificate.status_list_id).distinct()
                                  .where(Certificate.status_list_id.is_not(None))))
    return sorted(used | set(db.session.scalars(sa.select(CertificateStatusList.id))))


def published(list_id: int) -> CertificateStatusList | None:
    """The list as served, or None for a list no certificate uses.

    Read-only (a GET may not take SQLite's write lock): a list in use that the
    job has not published yet, or whose validity ran out because the job
    stopped, is built and signed in memory, kept by this process until its
    ttl, and not stored.
    """
    now = clock.now()
    row = db.session.get(CertificateStatusList, list_id)
    if row is not None and row.valid_until > now:
        return row
    cache = current_app.extensions.setdefault(INTERIM_KEY, {})
    interim = cache.get(list_id)
    if interim is not None and interim.built_at + dt.timedelta(seconds=ttl_seconds()) > now:
        return interim
    if row is None and db.session.scalar(sa.select(Certificate.id).where(
            Certificate.status_list_id == list_id).limit(1)) is None:
        return None
    raw = bits(list_id)
    interim = cache[list_id] = CertificateStatusList(id=list_id, **_signed(list_id, raw,
                                                                              hashlib.sha256(raw).hexdigest(), now))
    return interim



def current_etag(list_id: int) -> str | None:
    return db.session.scalar(sa.select(CertificateStatusList.etag).where(CertificateStatusList.id == list_id))
