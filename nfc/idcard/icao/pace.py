"""PACE with Generic Mapping, terminal side (Doc 9303 Part 11, 4.4; BSI
TR-03110).

Run after EF.CardAccess offered a PACEInfo: MSE:Set AT names protocol,
password (MRZ or CAN) and, when ambiguous, the domain parameters; four
chained GENERAL AUTHENTICATE commands then exchange the encrypted nonce,
the mapping keys, the ephemeral keys and the authentication tokens. Both
tokens are checked (the chip's too: a chip that cannot produce it does not
know the password, or someone sits in between), and secure messaging starts
with the derived keys and a zero send sequence counter.

Status-word failures raise :class:`~idcard.errors.CardError` (the reader may
fall back to BAC); anything that smells of tampering raises
:class:`PACEError`, which it must not fall back from.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .. import tlv
from ..errors import AccessDeniedError, MRZError, ParseError, SecureMessagingError, TLVError
from . import ecmath
from .apdu import EXTENDED_MAX_LE, CommandAPDU, raise_for_status, split_response
from .crypto import constant_time_equal, des3_cbc_decrypt, des3_cbc_encrypt, kdf, retail_mac
from .domains import standard_parameters
from .ecmath import Curve
from .keyagree import DHDomain, Domain, ECDomain, public_key_object
from .secinfo import CipherSpec, ProtocolSpec, SecurityInfos, pace_protocol
from .sm import SecureMessaging

PASSWORD_MRZ, PASSWORD_CAN = 1, 2
PASSWORD_NAMES = {PASSWORD_MRZ: "MRZ information", PASSWORD_CAN: "CAN"}


class PACEError(SecureMessagingError):
    """PACE failed without a status word: a malformed answer, an invalid
    public key or a wrong chip token. Never a reason to fall back to BAC."""


@dataclass(frozen=True)
class PacePassword:
    """The shared password: its key reference (1 MRZ, 2 CAN) and bytes."""

    reference: int
    secret: bytes = field(repr=False)

    @classmethod
    def from_mrz(cls, mrz_information: str) -> PacePassword:
        """MRZ password: the full SHA-1 of the MRZ information."""
        if not isinstance(mrz_information, str) or \
                not mrz_information.isascii():
            raise MRZError("MRZ information must be ASCII text")
        return cls(PASSWORD_MRZ,
                   hashlib.sha1(mrz_information.encode("ascii")).digest())

    @classmethod
    def from_can(cls, can: str) -> PacePassword:
        """Card access number: the digits printed on the document."""
        if not isinstance(can, str) or not can.isdigit() or not can.isascii():
            raise ValueError("the CAN must be a string of digits")
        return cls(PASSWORD_CAN, can.encode("ascii"))


def derive_key(seed: bytes, counter: int, cipher: CipherSpec) -> bytes:
    """KDF of Part 11, 9.7.1 for ``cipher`` (1 = ENC, 2 = MAC, 3 = PI)."""
    return kdf(seed, counter, cipher.algorithm, cipher.key_bits)


def password_key(password: PacePassword, cipher: CipherSpec) -> bytes:
    """K_pi = KDF_pi(pi), the key that encrypts the chip's nonce."""
    return derive_key(password.secret, 3, cipher)


def _aes_cbc(key: bytes, data: bytes, decrypt: bool) -> bytes:
    if len(data) % 16:
        raise PACEError("AES data is not a multiple of 16 bytes")
    cipher = Cipher(algorithms.AES(key), modes.CBC(bytes(16)))
    worker = cipher.decryptor() if decrypt else cipher.encryptor()
    return worker.update(data) + worker.finalize()


def decrypt_nonce(key: bytes, cipher: CipherSpec, encrypted: bytes) -> bytes:
    """s = D(K_pi, z): CBC with a zero IV."""
    if cipher.algorithm == "3DES":
        if not encrypted or len(encrypted) % 8:
            raise PACEError("3DES nonce is not a multiple of 8 bytes")
        return des3_cbc_decrypt(key, encrypted)
    return _aes_cbc(key, encrypted, decrypt=True)


def encrypt_nonce(key: bytes, cipher: CipherSpec, nonce: bytes) -> bytes:
    """z = E(K_pi, s) (the chip's side)."""
    if cipher.algorithm == "3DES":
        return des3_cbc_encrypt(key, nonce)
    return _aes_cbc(key, nonce, decrypt=False)


def mac8(key: bytes, cipher: CipherSpec, data: bytes) -> bytes:
    """The 8-byte MAC of PACE tokens: retail MAC (padded) or AES-CMAC."""
    if cipher.algorithm == "3DES":
        return retail_mac(key, data)
    worker = cmac.CMAC(algorithms.AES(key))
    worker.update(data)
    return worker.finalize()[:8]


def auth_token(ks_mac: bytes, protocol: ProtocolSpec, domain: Domain,
               public: bytes) -> bytes:
    """T = MAC(KS_MAC, 7F49 {OID, public key of the other side})."""
    return mac8(ks_mac, protocol.cipher,
                public_key_object(protocol.oid, domain, public))


def element_bytes(domain: Domain) -> bytes:
    """The domain's generator as bytes (for traces and tests)."""
    if isinstance(domain, ECDomain):
        return ecmath.encode_point(domain.curve, domain.generator)
    return domain.generator.to_bytes(domain.size, "big")


def domain_for(parameters: Curve | object) -> Domain:
    """Wrap a curve or DH group as a key agreement domain."""
    return ECDomain(parameters) if isinstance(parameters, Curve) else \
        DHDomain(parameters)


@dataclass(frozen=True)
class PaceChoice:
    """The PACEInfo to run, what it means and its domain parameters."""

    protocol: ProtocolSpec
    domain: Domain = field(repr=False)
    parameter_id: int | None
    #: Send the parameter id in MSE:Set AT (needed when CardAccess lists
    #: more than one option).
    send_parameter_id: bool = False

    @property
    def label(self) -> str:
        """E.g. "ECDH-GM AES-128 brainpoolP256r1"."""
        return f"{self.protocol.label} {self.domain.name}"


_CIPHER_RANK = {"3DES": 0, "AES-128": 1, "AES-192": 2, "AES-256": 3}


def pace_choices(infos: SecurityInfos) -> list[PaceChoice]:
    """Every runnable option of EF.CardAccess, preferred first: Generic
    Mapping only (IM and CAM need other steps), ECDH before DH, stronger
    ciphers first."""
    explicit = {(d.parameter_id, d.protocol): d.domain
                for d in infos.pace_domains}
    choices = []
    ambiguous = len(infos.pace) > 1
    for info in infos.pace:
        spec = pace_protocol(info.protocol)
        if spec is None or spec.mapping != "GM" or info.version != 2:
            continue
        family = info.protocol.rpartition(".")[0]
        domain = explicit.get((info.parameter_id, family))
        if domain is None and len(infos.pace_domains) == 1 and \
                info.parameter_id is None:
            domain = infos.pace_domains[0].domain
        if domain is None and info.parameter_id is not None:
            try:
                domain = domain_for(standard_parameters(info.parameter_id))
            except ValueError:
                continue
        if domain is None or domain.kind != spec.agreement:
            continue
        choices.append(PaceChoice(spec, domain, info.parameter_id,
                                  ambiguous and info.parameter_id is not None))
    choices.sort(key=lambda c: (c.protocol.agreement != "ECDH",
                                -_CIPHER_RANK[c.protocol.cipher.label]))
    return choices


@dataclass
class PaceTrace:
    """Every intermediate value of one run, so tests can compare them with
    the worked examples of Part 11 (and a developer can debug a chip)."""

    password_key: bytes = b""
    encrypted_nonce: bytes = b""
    nonce: bytes = b""
    map_private: int = 0
    map_public: bytes = b""
    chip_map_public: bytes = b""
    mapped_generator: bytes = b""
    private: int = 0
    public: bytes = b""
    chip_public: bytes = b""
    shared_secret: bytes = b""
    ks_enc: bytes = b""
    ks_mac: bytes = b""
    terminal_token: bytes = b""
    chip_token: bytes = b""


@dataclass
class PaceSession:
    """Result of a successful PACE run."""

    sm: SecureMessaging
    choice: PaceChoice
    password_reference: int
    trace: PaceTrace = field(repr=False)


def _dynamic_data(data: bytes, tag: int, step: str) -> bytes:
    try:
        outer = tlv.decode(data)
        if outer.tag != 0x7C:
            raise PACEError(f"PACE {step}: answer is not DO'7C'")
        found = outer.find(tag)
    except TLVError as exc:
        raise PACEError(f"PACE {step}: malformed answer ({exc})") from exc
    if found is None:
        raise PACEError(f"PACE {step}: DO'{tag:02X}' missing")
    return found.value


def oid_value(oid: str) -> bytes:
    """An OID's content octets (what DO'80' of MSE:Set AT carries)."""
    return tlv.decode(tlv.encode_oid(oid)).value


def mse_set_at(choice: PaceChoice, reference: int) -> CommandAPDU:
    """MSE:Set AT for PACE (P1P2 = C1A4)."""
    body = tlv.encode(0x80, oid_value(choice.protocol.oid)) + \
        tlv.encode(0x83, bytes([reference]))
    if choice.send_parameter_id:
        body += tlv.encode(0x84, bytes([choice.parameter_id]))
    return CommandAPDU(0x00, 0x22, 0xC1, 0xA4, body)


def perform_pace(transceive: Callable[[bytes], bytes], password: PacePassword,
                 choice: PaceChoice, *, rng: Callable[[int], bytes] = os.urandom,
                 private_keys: Iterable[int] | None = None) -> PaceSession:
    """Run PACE and return the secure messaging session.

    ``private_keys`` fixes the mapping and ephemeral private keys, in that
    order (only for reproducing the worked examples).
    """
    fixed: Iterator[int] | None = iter(private_keys) if private_keys else None
    protocol, cipher, domain = choice.protocol, choice.protocol.cipher, \
        choice.domain
    trace = PaceTrace()

    def exchange(cla: int, inner: bytes) -> tuple[bytes, int]:
        data = tlv.encode(0x7C, inner)
        # Keys of 2048-bit DH groups need extended length both ways; the
        # APDU then is extended anyway, so ask for up to 65536 bytes.
        cmd = CommandAPDU(cla, 0x86, 0x00, 0x00, data,
                          le=EXTENDED_MAX_LE if len(data) > 255 else 256)
        return split_response(transceive(cmd.encode()))

    def step(cla: int, inner: bytes, tag: int, name: str) -> bytes:
        data, sw = exchange(cla, inner)
        raise_for_status(sw, f"PACE {name}")
        return _dynamic_data(data, tag, name)

    def new_private(where: Domain) -> int:
        return next(fixed) if fixed is not None else where.random_private(rng)

    _, sw = split_response(transceive(mse_set_at(
        choice, password.reference).encode()))
    raise_for_status(sw, "PACE MSE:Set AT")
    trace.password_key = password_key(password, cipher)
    trace.encrypted_nonce = step(0x10, b"", 0x80, "nonce")
    trace.nonce = decrypt_nonce(trace.password_key, cipher,
                                trace.encrypted_nonce)
    trace.map_private = new_private(domain)
    trace.map_public = domain.public_key(trace.map_private)
    trace.chip_map_public = step(0x10, tlv.encode(0x81, trace.map_public),
                                 0x82, "mapping")
    try:
        mapped = domain.map_generic(int.from_bytes(trace.nonce, "big"),
                                    trace.map_private, trace.chip_map_public)
    except ParseError as exc:
        raise PACEError(f"PACE mapping: {exc}") from exc
    trace.mapped_generator = element_bytes(mapped)
    trace.private = new_private(mapped)
    trace.public = mapped.public_key(trace.private)
    trace.chip_public = step(0x10, tlv.encode(0x83, trace.public), 0x84,
                             "key agreement")
    if trace.chip_public == trace.public:
        raise PACEError("PACE key agreement: the chip echoed the terminal's "
                        "ephemeral key")
    try:
        trace.shared_secret = mapped.agree(trace.private, trace.chip_public)
    except ParseError as exc:
        raise PACEError(f"PACE key agreement: {exc}") from exc
    trace.ks_enc = derive_key(trace.shared_secret, 1, cipher)
    trace.ks_mac = derive_key(trace.shared_secret, 2, cipher)
    trace.terminal_token = auth_token(trace.ks_mac, protocol, mapped,
                                      trace.chip_public)
    data, sw = exchange(0x00, tlv.encode(0x85, trace.terminal_token))
    if sw != 0x9000:
        raise AccessDeniedError(
            f"PACE rejected by the chip ({sw:04X}): check the "
            f"{PASSWORD_NAMES.get(password.reference, 'password')}", sw)
    trace.chip_token = _dynamic_data(data, 0x86, "mutual authentication")
    expected = auth_token(trace.ks_mac, protocol, mapped, trace.public)
    if not constant_time_equal(trace.chip_token, expected):
        raise PACEError("PACE: the chip's authentication token is wrong (it "
                        "does not know the password, or the channel is "
                        "tampered with)")
    block = 16 if cipher.algorithm == "AES" else 8
    sm = SecureMessaging(trace.ks_enc, trace.ks_mac, bytes(block),
                         cipher.algorithm)
    return PaceSession(sm, choice, password.reference, trace)


#: EF.CardAccess in the master file (Part 10, 3.11.3).
FID_CARD_ACCESS = 0x011C
#: Plain bytes per READ BINARY of EF.CardAccess; the file is small.
_CARD_ACCESS_CHUNK = 0xDF
_CARD_ACCESS_MAX = 4096


def read_card_access(plain: Callable[[CommandAPDU], tuple[bytes, int]]
                     ) -> bytes | None:
    """Read EF.CardAccess unprotected from the MF; None when the chip has
    none (any refusal of the SELECT: BAC-only chips answer 6A82, 6982 or
    6D00 alike). Must run before the eMRTD application is selected."""
    _, sw = plain(CommandAPDU(0x00, 0xA4, 0x02, 0x0C,
                              FID_CARD_ACCESS.to_bytes(2, "big")))
    if sw != 0x9000:
        return None
    head, sw = plain(CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=4))
    if sw not in (0x9000, 0x6282) or len(head) < 2:
        return None
    try:
        size = tlv.total_length(head)
    except TLVError:
        return None
    if size > _CARD_ACCESS_MAX:
        return None
    data = bytearray(head[:size])
    while len(data) < size:
        chunk, sw = plain(CommandAPDU(
            0x00, 0xB0, len(data) >> 8, len(data) & 0xFF,
            le=min(_CARD_ACCESS_CHUNK, size - len(data))))
        if sw not in (0x9000, 0x6282) or not chunk:
            return None
        data += chunk[:size - len(data)]
    return bytes(data)
