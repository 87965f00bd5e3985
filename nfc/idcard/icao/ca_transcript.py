"""A Chip Authentication transcript that a server can re-check.

The server that verifies an upload did not talk to the chip. To let it
check Chip Authentication anyway, the reader keeps:

* the CA protocol OID and key id it ran (which DG14 key was used),
* its ephemeral key pair, private half included, disclosed only after the
  session has ended,
* the first few secure messaging responses received under the new keys,
  each with the send sequence counter it was MAC'd under and the header of
  the command it answered.

The verifier takes the chip's public key from DG14 (which passive
authentication vouches for), recomputes K = KA(ephemeral private, chip
public), derives KS_MAC and recomputes each response MAC. (A response MAC
covers the SSC and the response data objects, not the command; the command
header is kept so a reader of the transcript can tell what was answered.)

**What it proves:** with an honest reader, those MACs could only be made by
someone who knew K. Knowing K without the ephemeral private key requires the
chip's CA private key, which a clone that copied DG14 and EF.SOD does not
have; so the chip the reader talked to is the one the issuer personalized.

**What it does not prove:** anything about a dishonest reader. Whoever
holds the ephemeral private key can compute K alone and MAC any response,
so a forged transcript verifies just as well as a genuine one; nor does
anything in it tie it to this upload (a genuine old transcript of the same
document verifies again). Unlike an AA signature over a server nonce, the
transcript is evidence only as far as the reader is trusted: the platform
accepts it from registered reader stations that sign their uploads, and the
check is worth exactly as much as that registration. Disclosing the
ephemeral key also lets anyone who recorded the radio traffic decrypt the
session after the fact; it only carried the files being uploaded anyway.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import IdCardError, ParseError, TLVError, VerificationError
from .ca import CAResult, SMResponseRecord, ca_options, dg14_security_infos, session_keys
from .crypto import constant_time_equal, pad
from .keyagree import decode_private
from .sm import make_suite, spans

TRANSCRIPT_FORMAT = "idcard-ca-transcript/1"
#: Bound on the records accepted from an upload.
MAX_RECORDS = 16


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise ParseError(f"transcript {what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ParseError(f"transcript {what} is not valid base64") from exc


@dataclass(frozen=True)
class CATranscript:
    """Everything a verifier needs to re-check one Chip Authentication
    (see the module docstring for what that does and does not prove)."""

    protocol: str
    key_id: int | None
    ephemeral_private: bytes
    ephemeral_public: bytes
    responses: tuple[SMResponseRecord, ...]

    @classmethod
    def from_result(cls, result: CAResult) -> CATranscript:
        """Build the transcript once the session is over."""
        domain = result.option.key.domain
        return cls(result.option.protocol.oid, result.option.key_id,
                   domain.encode_private(result.private), result.public,
                   tuple(result.sm.records))

    def to_dict(self) -> dict:
        """JSON-safe form (bytes as base64 strings)."""
        return {"format": TRANSCRIPT_FORMAT, "protocol": self.protocol,
                "key_id": self.key_id,
                "ephemeral_private": _b64(self.ephemeral_private),
                "ephemeral_public": _b64(self.ephemeral_public),
                "responses": [{"ssc": _b64(r.ssc),
                               "command_header": _b64(r.command_header),
                               "response": _b64(r.response)}
                              for r in self.responses]}

    @classmethod
    def from_dict(cls, data: Mapping) -> CATranscript:
        """Parse :meth:`to_dict` output; raises ParseError on anything else
        (it usually comes from an upload)."""
        if not isinstance(data, Mapping):
            raise ParseError("transcript must be a JSON object")
        if data.get("format") != TRANSCRIPT_FORMAT:
            raise ParseError(f"transcript format must be {TRANSCRIPT_FORMAT}")
        protocol, key_id = data.get("protocol"), data.get("key_id")
        if not isinstance(protocol, str) or len(protocol) > 64:
            raise ParseError("transcript protocol must be an OID string")
        if key_id is not None and (isinstance(key_id, bool) or
                                   not isinstance(key_id, int) or
                                   not 0 <= key_id < 1 << 32):
            raise ParseError("transcript key_id must be null or an integer")
        items = data.get("responses")
        if not isinstance(items, list) or len(items) > MAX_RECORDS:
            raise ParseError(f"transcript responses must be a list of at "
                             f"most {MAX_RECORDS}")
        records = []
        for item in items:
            if not isinstance(item, Mapping):
                raise ParseError("transcript response must be an object")
            records.append(SMResponseRecord(
                _unb64(item.get("ssc"), "ssc"),
                _unb64(item.get("command_header"), "command_header"),
                _unb64(item.get("response"), "response")))
        return cls(protocol, key_id,
                   _unb64(data.get("ephemeral_private"), "ephemeral_private"),
                   _unb64(data.get("ephemeral_public"), "ephemeral_public"),
                   tuple(records))


def _check_record(suite, record: SMResponseRecord, previous: int) -> int:
    bs = suite.block_size
    if len(record.ssc) != bs:
        raise VerificationError("transcript SSC length does not match the "
                                "cipher")
    counter = int.from_bytes(record.ssc, "big")
    # After CA the counter restarts at 0: commands use odd values,
    # responses even ones, always increasing.
    if counter <= previous or counter % 2:
        raise VerificationError("transcript SSCs must be even and increasing")
    body = bytes(record.response)[:-2]
    try:
        objects = spans(body)
    except TLVError as exc:
        raise VerificationError(f"transcript response is malformed: {exc}") \
            from exc
    if len(objects) < 2 or objects[-1][0] != 0x8E or objects[-2][0] != 0x99:
        raise VerificationError("transcript response is not a protected "
                                "response ([DO'87'] DO'99' DO'8E')")
    covered = b"".join(raw for _, _, raw in objects[:-1])
    expected = suite.mac(pad(record.ssc + covered, bs))
    if not constant_time_equal(objects[-1][1], expected):
        raise VerificationError("a response MAC in the transcript is not the "
                                "one the DG14 key gives")
    return counter


def verify_transcript(dg14: bytes, transcript: CATranscript) -> str:
    """Re-check a transcript against DG14; return a short description.

    Raises :class:`~idcard.errors.VerificationError` (or ParseError for a
    malformed DG14) when it does not hold.
    """
    try:
        options = ca_options(dg14_security_infos(dg14))
    except IdCardError as exc:
        raise VerificationError(f"DG14 cannot be read: {exc}") from exc
    option = next((o for o in options if o.protocol.oid == transcript.protocol
                   and o.key_id == transcript.key_id), None)
    if option is None:
        raise VerificationError(
            f"DG14 offers no chip authentication {transcript.protocol} with "
            f"key id {transcript.key_id}")
    if not transcript.responses:
        raise VerificationError("the transcript holds no response under the "
                                "new keys")
    domain = option.key.domain
    try:
        private = decode_private(domain, transcript.ephemeral_private)
        if domain.public_key(private) != bytes(transcript.ephemeral_public):
            raise VerificationError("the ephemeral public key does not belong "
                                    "to the ephemeral private key")
        shared = domain.agree(private, option.key.public_key)
    except ParseError as exc:
        raise VerificationError(f"transcript key: {exc}") from exc
    ks_enc, ks_mac = session_keys(option, shared)
    suite = make_suite(ks_enc, ks_mac, option.protocol.cipher.algorithm)
    previous = 0
    for record in transcript.responses:
        previous = _check_record(suite, record, previous)
    count = len(transcript.responses)
    return (f"{option.label}: {count} response{'s' if count > 1 else ''} "
            "MAC'd under the DG14 key")


def assess_transcript(dg14: bytes | None,
                      transcript: CATranscript | Mapping | None,
                      vouched: bool) -> tuple[str, str] | None:
    """The ``chip_authentication`` check as (status, reason), or None when
    it does not apply (no transcript and DG14 offers no CA).

    ``transcript`` may be the uploaded ``to_dict()`` form. ``vouched`` says
    passive authentication covers DG14; a valid transcript does not count
    without it, since a clone can bring a DG14 with its own key.
    """
    if transcript is None:
        try:
            offered = bool(dg14) and bool(ca_options(
                dg14_security_infos(dg14)))
        except IdCardError:
            offered = False
        return ("skipped", "the chip offers chip authentication, but no "
                "transcript was uploaded") if offered else None
    if not dg14:
        return ("failed", "a transcript needs the chip's key from DG14, "
                "which is missing")
    try:
        if not isinstance(transcript, CATranscript):
            transcript = CATranscript.from_dict(transcript)
        reason = verify_transcript(dg14, transcript)
    except IdCardError as exc:
        return "failed", str(exc)
    if not vouched:
        return ("failed", "transcript valid but not counted: passive "
                "authentication does not vouch for DG14, so its key is not "
                "trusted")
    return "passed", reason
