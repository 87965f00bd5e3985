"""Chip Authentication version 1 (Doc 9303 Part 11, 6.2; BSI TR-03110).

DG14 carries the chip's static key agreement key (ChipAuthenticationPublic
KeyInfo, hashed in EF.SOD) and the protocols it runs it with
(ChipAuthenticationInfo). The terminal sends an ephemeral public key on the
same domain parameters — MSE:Set KAT for 3DES, MSE:Set AT plus GENERAL
AUTHENTICATE for AES — and both sides derive new secure messaging keys from
the shared secret; the send sequence counter restarts at zero. Only a chip
holding the private key can answer under those keys, which proves the chip
is not a copy of the data (unlike AA, without a signature the verifier could
check later: see :mod:`idcard.icao.ca_transcript` for what can be proven to
a server).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import tlv
from ..errors import CardError, LDSError, SecureMessagingError, TLVError
from .apdu import CommandAPDU, raise_for_status
from .pace import derive_key, oid_value
from .secinfo import (
    ChipAuthenticationPublicKeyInfo,
    ProtocolSpec,
    SecurityInfos,
    ca_oid,
    ca_protocol,
    parse_security_infos,
)
from .sm import SecureMessaging

_CIPHER_RANK = {"3DES": 0, "AES-128": 1, "AES-192": 2, "AES-256": 3}


def dg14_security_infos(dg14: bytes) -> SecurityInfos:
    """The SecurityInfos inside DG14 (tag 6E around the SET)."""
    try:
        outer = tlv.decode(dg14, allow_trailing=True)
    except TLVError as exc:
        raise LDSError(f"DG14: {exc}") from exc
    if outer.tag != 0x6E:
        raise LDSError("DG14 must start with tag 6E")
    return parse_security_infos(outer.value)


@dataclass(frozen=True)
class CAOption:
    """A runnable Chip Authentication: protocol and the DG14 key it uses."""

    protocol: ProtocolSpec
    key: ChipAuthenticationPublicKeyInfo = field(repr=False)
    #: Send the key id (DO'84'): DG14 holds more than one CA key.
    send_key_id: bool = False

    @property
    def key_id(self) -> int | None:
        """The chip's key id from DG14, if it has one."""
        return self.key.key_id

    @property
    def label(self) -> str:
        """E.g. "CA-ECDH AES-128 secp256r1"."""
        return f"{self.protocol.label} {self.key.domain.name}"


def ca_options(infos: SecurityInfos) -> list[CAOption]:
    """Chip Authentication options of DG14, preferred first.

    A ChipAuthenticationInfo names its key by key id (or there is only one
    key); version 1 is the Part 11 protocol run here. Without any
    ChipAuthenticationInfo, TR-03110 v1 chips imply 3DES for their key.
    """
    keys = infos.ca_public_keys
    ambiguous = len(keys) > 1
    options = []
    declared = infos.chip_authentication or [None]
    for info in declared:
        for key in keys:
            if info is None:
                spec = ca_protocol(ca_oid(key.domain.kind, "3DES"))
            elif info.version != 1 or (info.key_id is not None and
                                       info.key_id != key.key_id) or \
                    (info.key_id is None and ambiguous):
                continue
            else:
                spec = ca_protocol(info.protocol)
            if spec is None or spec.agreement != key.domain.kind:
                continue
            options.append(CAOption(spec, key, ambiguous and
                                    key.key_id is not None))
    options.sort(key=lambda o: (o.protocol.agreement != "ECDH",
                                -_CIPHER_RANK[o.protocol.cipher.label]))
    return options


def ca_commands(option: CAOption, public: bytes) -> list[CommandAPDU]:
    """The commands that send the terminal's ephemeral key."""
    key_ref = tlv.encode(0x84, option.key_id.to_bytes(
        max(1, (option.key_id.bit_length() + 7) // 8), "big")) \
        if option.send_key_id else b""
    wire = bytes(public)
    if option.protocol.cipher.algorithm == "3DES":
        return [CommandAPDU(0x00, 0x22, 0x41, 0xA6,
                            tlv.encode(0x91, wire) + key_ref)]
    return [CommandAPDU(0x00, 0x22, 0x41, 0xA4,
                        tlv.encode(0x80, oid_value(option.protocol.oid))
                        + key_ref),
            CommandAPDU(0x00, 0x86, 0x00, 0x00,
                        tlv.encode(0x7C, tlv.encode(0x80, wire)), le=256)]


def session_keys(option: CAOption, shared: bytes) -> tuple[bytes, bytes]:
    """KS_enc and KS_mac after Chip Authentication."""
    cipher = option.protocol.cipher
    return derive_key(shared, 1, cipher), derive_key(shared, 2, cipher)


def new_session(option: CAOption, ks_enc: bytes, ks_mac: bytes,
                sm_class: type[SecureMessaging] = SecureMessaging,
                **kwargs) -> SecureMessaging:
    """Secure messaging under the CA keys, SSC restarting at zero."""
    algorithm = option.protocol.cipher.algorithm
    return sm_class(ks_enc, ks_mac, bytes(16 if algorithm == "AES" else 8),
                    algorithm, **kwargs)


@dataclass(frozen=True)
class SMResponseRecord:
    """One protected response received under the CA keys."""

    ssc: bytes
    command_header: bytes
    response: bytes


class RecordingSecureMessaging(SecureMessaging):
    """Secure messaging that keeps the first ``limit`` verified responses
    (with their SSC and the header of the command they answer), so a
    verifier can later recompute their MACs."""

    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: bytes,
                 algorithm: str | None = None, *, limit: int = 3) -> None:
        super().__init__(ks_enc, ks_mac, ssc, algorithm)
        self.limit = limit
        self.records: list[SMResponseRecord] = []
        self.verified = 0
        self._header = b""

    def protect(self, command_apdu: bytes, *args, **kwargs) -> bytes:
        """Wrap as usual and remember the plain command header."""
        self._header = bytes(command_apdu[:4])
        return super().protect(command_apdu, *args, **kwargs)

    def unprotect(self, response_apdu: bytes) -> bytes:
        """Verify as usual; record the response while below the limit."""
        try:
            plain = super().unprotect(response_apdu)
        except SecureMessagingError as exc:
            if self.verified == 0:
                raise SecureMessagingError(
                    "chip authentication failed: the chip's first answer "
                    f"under the new keys does not verify ({exc}); a chip "
                    "without the DG14 private key cannot produce it") from exc
            raise
        self.verified += 1
        if len(self.records) < self.limit:
            self.records.append(SMResponseRecord(
                self.ssc, self._header, bytes(response_apdu)))
        return plain


@dataclass
class CAResult:
    """What one Chip Authentication run produced."""

    option: CAOption
    private: int = field(repr=False)
    public: bytes = field(repr=False)
    sm: RecordingSecureMessaging = field(repr=False)


def perform_chip_authentication(
        protected: Callable[[CommandAPDU], tuple[bytes, int]],
        option: CAOption, *, rng: Callable[[int], bytes] = os.urandom,
        private: int | None = None, record_limit: int = 3) -> CAResult:
    """Run CA over the current secure messaging (``protected`` sends one
    command and returns its plain answer) and return the new session.

    The answers to the CA commands still come under the old keys; only
    after them does the caller switch to ``result.sm``. A refusal raises
    :class:`~idcard.errors.CardError` and leaves the old session usable.
    """
    domain = option.key.domain
    private = private if private is not None else domain.random_private(rng)
    public = domain.public_key(private)
    shared = domain.agree(private, option.key.public_key)
    for cmd in ca_commands(option, public):
        data, sw = protected(cmd)
        raise_for_status(sw, f"chip authentication ({option.label})")
        if cmd.ins == 0x86 and data and data[0] != 0x7C:
            raise CardError("chip authentication: GENERAL AUTHENTICATE "
                            "answer is not DO'7C'", sw)
    ks_enc, ks_mac = session_keys(option, shared)
    sm = new_session(option, ks_enc, ks_mac, RecordingSecureMessaging,
                     limit=record_limit)
    return CAResult(option, private, public, sm)
