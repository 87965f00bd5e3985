"""Reader stations: registration by an operator, signed requests, pairing with a worker's code, attributed reads.

A station is a PC at an enterprise office or a service window with a
contactless reader (ICAO chips over NFC) or a certified SAM reader (Chinese
resident ID cards). It talks to the platform only over the API:

1. an operator registers it (name, place) and gets a one-time enrolment code;
2. `registry-station enroll` makes the station's Ed25519 key pair and sends
   the public key with that code; from then on every request is signed
   (`readerstation.protocol`);
3. the worker's identity page shows a binding code; the station pairs with
   it, receiving the Active-Authentication challenge;
4. the station reads the document and uploads the raw files (or the SAM
   record and decoded photo); the platform verifies everything itself.

Revoking a station stops its next request. Every read carries its station.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask_babel import gettext as _

from readerstation import protocol
from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.crypto import lookup_hash
from registry.core.errors import Conflict, DomainError, Forbidden, Gone, NotFound
from registry.core.extensions import db
from workers.identity import chip
from workers.identity import services as identity
from workers.identity.models import IdentityRecord, IdentityStation, StationRead
from workers.models import Worker

ENROLMENT_TTL = dt.timedelta(hours=24)
PAIRING_TTL = dt.timedelta(minutes=10)
ENROLMENT_ALPHABET = chip.CODE_ALPHABET
ENROLMENT_PURPOSE = "station-enrolment"


class StationRefused(DomainError):
    """A request that is not a valid signed request of an enrolled, unrevoked station."""

    status = 401


# --- operators ---------------------------------------------------------------

def _enrolment_code() -> str:
    raw = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def normalize_enrolment_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def register_station(name: str, place: str, operator: Account | None) -> tuple[IdentityStation, str]:
    """A new station waiting for enrolment, and its one-time code (shown once, valid 24 hours)."""
    name, place = (name or "").strip(), (place or "").strip()
    if not name or len(name) > 60 or len(place) > 120:
        raise DomainError(_("Give the station a name of at most 60 characters and a place of at most 120."),
                          code="station_name_invalid", status=422, fields={"name": [_("Enter a name.")]})
    code = _enrolment_code()
    now = clock.now()
    station = IdentityStation(name=name, place=place, created_by_id=operator.id if operator else None,
                              enrolment_hash=lookup_hash(normalize_enrolment_code(code), ENROLMENT_PURPOSE),
                              enrolment_expires_at=now + ENROLMENT_TTL, created_at=now)
    db.session.add(station)
    db.session.flush()
    audit.record("identity.station_registered", actor_id=operator.id if operator else None, station_id=station.id)
    return station, code


def list_stations() -> list[IdentityStation]:
    return list(db.session.scalars(sa.select(IdentityStation).where(IdentityStation.builtin.is_(False))
                                   .order_by(IdentityStation.revoked_at.is_not(None), IdentityStation.id)))


def get_station(station_id: int) -> IdentityStation:
    station = db.session.get(IdentityStation, station_id)
    if station is None or station.builtin:
        raise NotFound(_("No such reader station."), code="station_not_found")
    return station


def revoke_station(station_id: int, operator: Account | None) -> IdentityStation:
    """Stop a station: its next request is refused, its open pairings end."""
    station = get_station(station_id)
    if station.revoked_at is None:
        now = clock.now()
        station.revoked_at, station.revoked_by_id = now, operator.id if operator else None
        station.enrolment_hash = None
        db.session.execute(sa.update(StationRead).where(StationRead.station_id == station.id,
                                                        StationRead.finished_at.is_(None))
                           .values(finished_at=now, problem="station_revoked")
                           .execution_options(synchronize_session=False))
        audit.record("identity.station_revoked", actor_id=operator.id if operator else None, station_id=station.id)
    return station


def reads_by_station() -> dict[int, int]:
    """How many documents each station has read (identity records attributed to it)."""
    rows = db.session.execute(sa.select(IdentityRecord.station_id, sa.func.count()).where(
        IdentityRecord.station_id.is_not(None)).group_by(IdentityRecord.station_id))
    return {station_id: count for station_id, count in rows}


# --- the station's side ------------------------------------------------------

def _public_key(raw: str) -> bytes:
    try:
        key = base64.b64decode(raw or "", validate=True)
        Ed25519PublicKey.from_public_bytes(key)
    except (binascii.Error, ValueError):
        raise DomainError(_("The station's public key must be a base64 Ed25519 key (32 bytes)."),
                          code="station_key_invalid", status=422,
                          fields={"public_key": [_("Not a valid Ed25519 public key.")]}) from None
    return key


def enrol(code: str, public_key: str) -> IdentityStation:
    """Bind a station's public key to its registration; the code works once, within 24 hours."""
    key = _public_key(public_key)
    digest = lookup_hash(normalize_enrolment_code(code), ENROLMENT_PURPOSE)
    station = db.session.scalar(sa.select(IdentityStation).where(IdentityStation.enrolment_hash == digest))
    if station is None or station.revoked_at is not None:
        raise NotFound(_("This enrolment code is not valid. Ask an operator for a new one."),
                       code="enrolment_code_invalid")
    now = clock.now()
    if station.enrolment_expires_at is None or station.enrolment_expires_at <= now:
        raise Conflict(_("This enrolment code has expired. Ask an operator for a new one."),
                       code="enrolment_code_expired")
    station.public_key, station.enrolled_at, station.enrolment_hash = key, now, None
    db.session.flush()
    audit.record("identity.station_enrolled", station_id=station.id)
    return station


def authenticate(headers, method: str, path: str, body: bytes) -> IdentityStation:
    """The enrolled, unrevoked station that signed this request, or StationRefused (401)."""
    raw_id, stamp, signature = (headers.get(protocol.HEADER_STATION, ""), headers.get(protocol.HEADER_TIME, ""),
                                headers.get(protocol.HEADER_SIGNATURE, ""))
    if not (raw_id and stamp and signature):
        raise StationRefused(_("This call is for reader stations: sign it with the station's key."),
                             code="station_signature_missing")
    if not raw_id.isdigit() or not stamp.isdigit() or len(raw_id) > 9 or len(stamp) > 12:
        raise StationRefused(_("The station's signature is not valid."), code="station_signature_invalid")
    if abs(int(stamp) - int(clock.now().replace(tzinfo=dt.UTC).timestamp())) > protocol.CLOCK_SKEW_SECONDS:
        raise StationRefused(_("The station's clock is wrong by more than five minutes; set it right and retry."),
                             code="station_clock_skew")
    station = db.session.get(IdentityStation, int(raw_id))
    if station is None or station.public_key is None:
        raise StationRefused(_("The station's signature is not valid."), code="station_signature_invalid")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(station.public_key)).verify(
            base64.b64decode(signature, validate=True), protocol.signing_input(method, path, stamp, body))
    except (InvalidSignature, binascii.Error, ValueError):
        raise StationRefused(_("The station's signature is not valid."), code="station_signature_invalid") from None
    if station.revoked_at is not None:
        raise StationRefused(_("This reader station has been revoked by an operator."), code="station_revoked")
    station.last_seen_at = clock.now()
    return station


def pair(station: IdentityStation, code: str, *, simulated: bool = False) -> tuple[StationRead, bytes, dict | None]:
    """Spend the worker's binding code: a read this station may upload, its AA challenge, and for a
    simulated read (never in production) the holder a software card must carry."""
    if simulated and (chip.production() or not current_app.config.get("IDENTITY_SIMULATED_STATIONS", True)):
        raise Forbidden(_("Simulated documents are not accepted on this platform."), code="simulated_refused")
    worker = chip.redeem_binding_code(code)
    chip.check_read_rate(worker)
    now = clock.now()
    read = StationRead(station_id=station.id, worker_id=worker.account_id, simulated=simulated, created_at=now,
                       expires_at=now + PAIRING_TTL)
    db.session.add(read)
    challenge = chip.issue_chip_challenge(worker)
    db.session.flush()
    audit.record("identity.station_paired", subject_id=worker.account_id, station_id=station.id, read_id=read.id,
                 simulated=simulated)
    holder = None
    if simulated:
        account = db.session.get(Account, worker.account_id)
        holder = {"name": account.name, "id_number": account.id_number}
    return read, challenge, holder


def open_read(station: IdentityStation, read_id: int) -> tuple[StationRead, Worker]:
    """This station's pairing, if it is still waiting for its one upload."""
    read = db.session.get(StationRead, read_id)
    if read is None or read.station_id != station.id:
        raise NotFound(_("No such read for this station."), code="station_read_not_found")
    if read.finished_at is not None:
        raise Conflict(_("This read has already been uploaded. Pair again with a new code."),
                       code="station_read_finished")
    if read.expires_at <= clock.now():
        raise Gone(_("This pairing has expired. Ask the worker for a new code."), code="station_read_expired")
    return read, db.session.get(Worker, read.worker_id)


def _finish(read: StationRead, worker: Worker, upload) -> object:
    """Run the upload's verification; the read is finished whether it is accepted or refused."""
    read.finished_at = clock.now()
    try:
        record = upload()
    except DomainError as refusal:
        if getattr(refusal, "commit_changes", False):
            latest = identity.latest_record(worker)
            read.record_id = latest.id if latest is not None else None
            db.session.flush()
        raise
    read.record_id = record.id
    db.session.flush()
    return record


def submit_chip(station: IdentityStation, read_id: int, files: dict[str, bytes], *, aa_challenge: bytes | None,
                aa_response: bytes | None, ca_transcript: dict | None = None, access_protocol: str | None = None,
                simulated_csca: bytes | None = None):
    """A chip read uploaded by the paired station, verified as every chip read is."""
    read, worker = open_read(station, read_id)
    extra = []
    if simulated_csca:
        if not read.simulated:
            raise Forbidden(_("Only a simulated read may bring its own issuing certificate."),
                            code="simulated_refused")
        extra = [chip.load_simulated_csca(simulated_csca)]
    return _finish(read, worker, lambda: chip.submit_chip_read(
        worker, files, aa_challenge=aa_challenge, aa_response=aa_response, ca_transcript=ca_transcript,
        access_protocol=access_protocol, extra_csca=extra, simulated=read.simulated, station_id=station.id))


def submit_resident_id(station: IdentityStation, read_id: int, record: bytes, photo: bytes):
    """A resident-ID card read by the station's certified SAM reader: the record and the SDK's decoded photo.

    The record itself is not signed by the card, so it counts only because an
    enrolled station signed the request that carries it.
    """
    read, worker = open_read(station, read_id)
    return _finish(read, worker, lambda: chip.submit_resident_id_read(
        worker, record, photo=photo, simulated=read.simulated, station_id=station.id))


def report_problem(station: IdentityStation, read_id: int, problem: str) -> StationRead:
    """The station could not read the document; the worker's page says why."""
    if problem not in protocol.PROBLEMS:
        raise DomainError(_("Unknown problem."), code="invalid_problem", status=422,
                          fields={"problem": [_("Unknown problem.")]})
    read, worker = open_read(station, read_id)
    read.finished_at, read.problem = clock.now(), problem
    db.session.flush()
    audit.record("identity.station_read_failed", subject_id=worker.account_id, station_id=station.id,
                 read_id=read.id, problem=problem)
    return read


# --- the worker's page -------------------------------------------------------

def latest_read(worker: Worker) -> StationRead | None:
    return db.session.scalars(sa.select(StationRead).where(StationRead.worker_id == worker.account_id)
                              .order_by(StationRead.id.desc()).limit(1)).first()


def station_name(read: StationRead) -> str:
    station = db.session.get(IdentityStation, read.station_id)
    return station.name if station is not None else ""
