"""Server-side verification of identity documents.

Takes the raw files a phone app or desk reader uploads and re-does every
check itself: nothing the client says about MRZ, signatures, hashes,
active or chip authentication is trusted. Each check is reported by name
with a status (passed / failed / skipped) and a reason.

Two checks can prove the chip genuine (not a copy of its data):
``active_authentication`` (the chip signed this session's challenge) and
``chip_authentication`` (a Chip Authentication transcript whose MACs only
the DG14 key holder could make — evidence only as far as the uploading
reader is trusted, see :mod:`idcard.icao.ca_transcript`).
:attr:`VerificationResult.chip_proofs` names the ones that passed.
"""

from __future__ import annotations

import datetime as _dt
import hmac
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .cnid import parse_resident_record
from .errors import IdCardError
from .icao.aa import verify_active_authentication
from .icao.ca_transcript import CATranscript, assess_transcript
from .icao.lds import aa_hash_name, parse_dg1, parse_dg2, parse_dg15
from .icao.mrz import MRZ
from .icao.sod import parse_sod
from .icao.trust import TrustStore

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
ICAO_CHECKS = ("mrz_check_digits", "sod_signature", "certificate_chain",
               "data_group_hashes", "active_authentication", "document_expiry")
SIMULATED_MARKER = "SIMULATED"
#: Checks that prove the chip itself genuine.
CHIP_PROOFS = ("active_authentication", "chip_authentication")


@runtime_checkable
class NonceStore(Protocol):
    """Single-use, expiring active-authentication challenges per session."""

    def issue(self, session_key: str) -> bytes:
        """Create and remember a fresh 8-byte challenge for the session."""
        ...

    def consume(self, session_key: str, nonce: bytes) -> bool:
        """Forget the session's challenge; True if it was ``nonce`` and
        still valid."""
        ...


class InMemoryNonceStore:
    """Thread-safe in-memory :class:`NonceStore` with a time to live.

    One outstanding challenge per session: issuing again replaces it, and
    any consume attempt (right or wrong) uses it up, so it cannot be
    guessed at or replayed.
    """

    def __init__(self, ttl: float = 120.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 max_sessions: int = 100_000) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._nonces: dict[str, tuple[bytes, float]] = {}

    def issue(self, session_key: str) -> bytes:
        """Create a challenge for ``session_key``."""
        nonce = os.urandom(8)
        with self._lock:
            now = self.clock()
            if len(self._nonces) >= self.max_sessions:
                # Drop expired entries first so the map cannot grow forever.
                self._nonces = {k: v for k, v in self._nonces.items()
                                if v[1] > now}
                if len(self._nonces) >= self.max_sessions:
                    raise IdCardError("too many outstanding challenges")
            self._nonces[session_key] = (nonce, now + self.ttl)
        return nonce

    def consume(self, session_key: str, nonce: bytes) -> bool:
        """Use up the session's challenge; True if it matched in time."""
        with self._lock:
            entry = self._nonces.pop(session_key, None)
            now = self.clock()
        if entry is None or nonce is None:
            return False
        expected, expires = entry
        return now <= expires and hmac.compare_digest(expected, bytes(nonce))


@dataclass(frozen=True)
class Check:
    """Outcome of one named check."""

    status: str
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"status": self.status, "reason": self.reason}


@dataclass
class Identity:
    """Who the document says its holder is."""

    name: str
    document_number: str
    birth_date: str
    expiry_date: str | None
    nationality: str
    sex: str
    document_type: str = ""
    issuing_state: str = ""


@dataclass
class VerificationResult:
    """Every check by name, the identity and the facial image."""

    document_kind: str
    checks: dict[str, Check] = field(default_factory=dict)
    identity: Identity | None = None
    face_image: bytes | None = None
    face_mime_type: str | None = None
    face_proven: bool = False
    simulated: bool = False
    required: tuple[str, ...] = ()
    #: The service requires active or chip authentication to pass.
    require_chip_proof: bool = False

    @property
    def chip_proofs(self) -> tuple[str, ...]:
        """Which of active_authentication / chip_authentication passed."""
        return tuple(n for n in CHIP_PROOFS
                     if self.checks.get(n, Check(SKIPPED)).status == PASSED)

    @property
    def ok(self) -> bool:
        """True when every required check passed and none failed (and a
        chip proof exists when one is required)."""
        return all(self.checks.get(n, Check(SKIPPED)).status == PASSED
                   for n in self.required) and \
            not any(c.status == FAILED for c in self.checks.values()) and \
            (not self.require_chip_proof or bool(self.chip_proofs))

    def failed(self) -> list[str]:
        """Names of the checks that failed."""
        return [n for n, c in self.checks.items() if c.status == FAILED]

    def to_dict(self, include_face: bool = False) -> dict:
        """JSON-ready summary (the face only on request, base64)."""
        import base64
        from dataclasses import asdict

        out = {"document_kind": self.document_kind, "ok": self.ok,
               "simulated": self.simulated, "face_proven": self.face_proven,
               "checks": {n: c.to_dict() for n, c in self.checks.items()},
               "chip_proofs": list(self.chip_proofs),
               "identity": asdict(self.identity) if self.identity else None,
               "face_mime_type": self.face_mime_type}
        if include_face and self.face_image:
            out["face_image_base64"] = base64.b64encode(
                self.face_image).decode("ascii")
        return out


def _mrz_identity(mrz: MRZ) -> Identity:
    return Identity(mrz.name, mrz.document_number,
                    mrz.birth().isoformat(), mrz.expiry().isoformat(),
                    mrz.nationality, mrz.sex, mrz.document_code,
                    mrz.issuing_state)


class VerificationService:
    """Checks uploaded eMRTD files and resident ID records.

    ``now`` returns the current UTC time (injectable for tests).
    ``require_active_authentication`` makes a read fail unless the chip
    proved itself genuine: by active authentication, or by a chip
    authentication transcript (documents without DG15 pass that way).
    """

    def __init__(self, trust_store: TrustStore,
                 nonce_store: NonceStore | None = None, *,
                 now: Callable[[], _dt.datetime] | None = None,
                 require_active_authentication: bool = False) -> None:
        self.trust_store = trust_store
        self.nonces = nonce_store or InMemoryNonceStore()
        self.now = now or (lambda: _dt.datetime.now(_dt.UTC))
        self.require_aa = require_active_authentication

    def issue_challenge(self, session_key: str) -> bytes:
        """The 8-byte AA challenge the reader must relay for this session."""
        return self.nonces.issue(session_key)

    def verify_emrtd(self, files: Mapping[str, bytes], *,
                     session_key: str | None = None,
                     aa_challenge: bytes | None = None,
                     aa_response: bytes | None = None,
                     ca_transcript: CATranscript | Mapping | None = None,
                     simulated: bool = False) -> VerificationResult:
        """Verify raw eMRTD files (keys "COM", "SOD", "DG1".."DG16").

        ``ca_transcript`` is the reader's :class:`CATranscript` or its
        ``to_dict()`` form. The ``chip_authentication`` check appears only
        when DG14 offers Chip Authentication or a transcript was uploaded,
        so results for other documents keep their shape.
        """
        files = {k.upper(): bytes(v) for k, v in files.items() if v}
        required = tuple(n for n in ICAO_CHECKS
                         if n != "active_authentication")
        res = VerificationResult("icao9303", simulated=simulated,
                                 required=required,
                                 require_chip_proof=self.require_aa)
        now = self.now()
        mrz = self._check_mrz(files, res)
        sod = self._check_pa(files, res, now)
        ca = self._check_ca(files, res, sod, ca_transcript)
        self._check_aa(files, res, sod, session_key, aa_challenge,
                       aa_response, ca)
        if ca is not None:
            res.checks["chip_authentication"] = ca
        if mrz is None:
            res.checks["document_expiry"] = Check(SKIPPED, "no valid MRZ")
        elif mrz.expiry() < now.date():
            res.checks["document_expiry"] = Check(
                FAILED, f"document expired on {mrz.expiry().isoformat()}")
        else:
            res.checks["document_expiry"] = Check(
                PASSED, f"valid until {mrz.expiry().isoformat()}")
        if mrz is not None:
            res.identity = _mrz_identity(mrz)
        try:
            face = parse_dg2(files["DG2"])[0] if "DG2" in files else None
        except IdCardError:
            face = None
        if face is not None:
            res.face_image, res.face_mime_type = face.data, face.mime_type
        res.face_proven = face is not None and all(
            res.checks[n].status == PASSED for n in
            ("sod_signature", "certificate_chain", "data_group_hashes"))
        return res

    def _check_mrz(self, files, res) -> MRZ | None:
        if "DG1" not in files:
            res.checks["mrz_check_digits"] = Check(FAILED, "DG1 missing")
            return None
        try:
            mrz = parse_dg1(files["DG1"])
        except IdCardError as exc:
            res.checks["mrz_check_digits"] = Check(FAILED, str(exc))
            return None
        res.checks["mrz_check_digits"] = Check(PASSED, mrz.document_type)
        return mrz

    def _check_pa(self, files, res, now):
        checks = res.checks
        try:
            if "SOD" not in files:
                raise IdCardError("EF.SOD missing")
            sod = parse_sod(files["SOD"])
            ds_cert = sod.verify_signature()
            checks["sod_signature"] = Check(PASSED, sod.hash_algorithm)
        except IdCardError as exc:
            checks["sod_signature"] = Check(FAILED, str(exc))
            checks["certificate_chain"] = Check(SKIPPED, "no valid EF.SOD")
            checks["data_group_hashes"] = Check(SKIPPED, "no valid EF.SOD")
            return None
        try:
            csca = self.trust_store.verify_chain(ds_cert, now)
            checks["certificate_chain"] = Check(
                PASSED, csca.subject.rfc4514_string())
            if SIMULATED_MARKER in csca.subject.rfc4514_string():
                res.simulated = True
        except IdCardError as exc:
            checks["certificate_chain"] = Check(FAILED, str(exc))
        groups = {int(k[2:]): v for k, v in files.items()
                  if k.startswith("DG") and k[2:].isdigit()}
        problems = sod.check_hashes(groups)
        problems += [f"DG{n} missing" for n in (1, 2) if n not in groups]
        checks["data_group_hashes"] = Check(
            FAILED, "; ".join(problems)) if problems else Check(
            PASSED, ", ".join(f"DG{n}" for n in sorted(groups)))
        return sod

    def _check_aa(self, files, res, sod, session_key, challenge,
                  response, ca: Check | None = None) -> None:
        checks = res.checks
        # EF.SOD is signed, EF.COM is not: whether the chip has AA is read
        # from the SOD, so a client cannot skip AA by dropping DG15.
        expected = sod is not None and 15 in sod.hashes
        if not expected and "DG15" not in files:
            # Required or not, chip authentication can stand in for AA.
            proven = ca is not None and ca.status == PASSED
            checks["active_authentication"] = Check(
                FAILED if self.require_aa and not proven else SKIPPED,
                "document has no active authentication key (DG15)")
            return
        if session_key is None or challenge is None or \
                not self.nonces.consume(session_key, challenge):
            checks["active_authentication"] = Check(
                FAILED, "challenge unknown, expired or already used")
            return
        if "DG15" not in files or not response:
            checks["active_authentication"] = Check(
                FAILED, "DG15 or the chip's response is missing")
            return
        try:
            key = parse_dg15(files["DG15"])
            verify_active_authentication(key, challenge, response,
                                         aa_hash_name(files.get("DG14")))
        except IdCardError as exc:
            checks["active_authentication"] = Check(FAILED, str(exc))
            return
        pa_ok = all(checks[n].status == PASSED for n in
                    ("sod_signature", "certificate_chain",
                     "data_group_hashes"))
        # A clone can carry its own key in DG15; the signature only counts
        # when passive authentication vouches for that DG15.
        checks["active_authentication"] = Check(PASSED, "chip signed the "
                                                "challenge") if pa_ok else \
            Check(FAILED, "signature valid but not counted: passive "
                  "authentication failed, so the DG15 key is not trusted")

    def _check_ca(self, files, res, sod, transcript) -> Check | None:
        checks = res.checks
        # Like DG15 for AA: a clone can bring its own DG14 key, so the
        # transcript only counts when EF.SOD vouches for that DG14.
        vouched = sod is not None and 14 in sod.hashes and all(
            checks[n].status == PASSED for n in
            ("sod_signature", "certificate_chain", "data_group_hashes"))
        outcome = assess_transcript(files.get("DG14"), transcript, vouched)
        return Check(*outcome) if outcome is not None else None

    def verify_resident_id(self, record: bytes, wlt_photo: bytes | None = None,
                           *, simulated: bool = False) -> VerificationResult:
        """Check a Chinese resident ID record delivered by a SAM reader."""
        res = VerificationResult(
            "cn_resident_id", simulated=simulated,
            required=("record_format", "id_number", "document_expiry"))
        try:
            rec = parse_resident_record(record, wlt_photo)
        except IdCardError as exc:
            res.checks["record_format"] = Check(FAILED, str(exc))
            return res
        res.checks["record_format"] = Check(PASSED, "256-byte SAM record")
        res.checks["id_number"] = Check(
            PASSED, "GB 11643 check digit, birth date and sex match")
        today = self.now().date()
        if rec.expired(today):
            res.checks["document_expiry"] = Check(
                FAILED, f"card expired on {rec.valid_until.isoformat()}")
        else:
            res.checks["document_expiry"] = Check(
                PASSED, "长期 (long-term)" if rec.long_term else
                f"valid until {rec.valid_until.isoformat()}")
        res.checks["face_binding"] = Check(
            SKIPPED, "the SAM read proves the card data, not the face: the "
            "WLT photo is kept as delivered and needs the vendor decoder")
        res.identity = Identity(
            rec.name, rec.id_number, rec.birth_date.isoformat(),
            None if rec.long_term else rec.valid_until.isoformat(), "CHN",
            rec.sex, "cn_resident_id", "CHN")
        res.face_image = rec.wlt_photo
        res.face_mime_type = "application/x-wlt" if rec.wlt_photo else None
        return res
