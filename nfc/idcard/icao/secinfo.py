"""SecurityInfos of EF.CardAccess and DG14 (Doc 9303 Part 11, 9.2).

Both files hold a ``SET OF SecurityInfo``, each a SEQUENCE that starts with
a protocol OID. PACE reads PACEInfo / PACEDomainParameterInfo from
EF.CardAccess; Chip Authentication reads ChipAuthenticationInfo /
ChipAuthenticationPublicKeyInfo from DG14. SecurityInfos of other
protocols (Terminal Authentication, CardInfoLocator, PACE-CAM, ...) are
tolerated and only their OIDs kept, so a chip with more features than this
reader still reads. The encoders serve the software card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import tlv
from ..errors import LDSError, ParseError, TLVError
from .curves import BY_NAME, BY_OID, match_parameters
from .domains import DHGroup, identify_group, standard_parameters
from .ecmath import Curve
from .keyagree import DHDomain, Domain, ECDomain

BSI = "0.4.0.127.0.7"
ID_PK_DH, ID_PK_ECDH = BSI + ".2.2.1.1", BSI + ".2.2.1.2"
ID_CA_DH, ID_CA_ECDH = BSI + ".2.2.3.1", BSI + ".2.2.3.2"
ID_PACE = BSI + ".2.2.4"
#: PACE families under id-PACE: arc -> (key agreement, mapping).
PACE_FAMILIES = {1: ("DH", "GM"), 2: ("ECDH", "GM"), 3: ("DH", "IM"),
                 4: ("ECDH", "IM"), 6: ("ECDH", "CAM")}
STANDARDIZED_DOMAIN_PARAMETERS = BSI + ".1.2"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
PRIME_FIELD = "1.2.840.10045.1.1"
DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"
DH_KEY_AGREEMENT = "1.2.840.113549.1.3.1"


@dataclass(frozen=True)
class CipherSpec:
    """Secure messaging cipher named by the last arc of a PACE/CA OID."""

    algorithm: str
    key_bits: int

    @property
    def label(self) -> str:
        """"3DES" or "AES-128" / "AES-192" / "AES-256"."""
        return "3DES" if self.algorithm == "3DES" else f"AES-{self.key_bits}"


CIPHERS = {1: CipherSpec("3DES", 128), 2: CipherSpec("AES", 128),
           3: CipherSpec("AES", 192), 4: CipherSpec("AES", 256)}


@dataclass(frozen=True)
class ProtocolSpec:
    """What a PACE or CA protocol OID stands for."""

    oid: str
    agreement: str
    cipher: CipherSpec
    mapping: str | None = None

    @property
    def label(self) -> str:
        """E.g. "ECDH-GM AES-128" or "CA-DH 3DES"."""
        if self.mapping:
            return f"{self.agreement}-{self.mapping} {self.cipher.label}"
        return f"CA-{self.agreement} {self.cipher.label}"


def pace_protocol(oid: str) -> ProtocolSpec | None:
    """Decode a PACE protocol OID, None if it is not one."""
    if not oid.startswith(ID_PACE + "."):
        return None
    arcs = oid[len(ID_PACE) + 1:].split(".")
    if len(arcs) != 2 or not all(arc.isdigit() for arc in arcs):
        return None
    kind = PACE_FAMILIES.get(int(arcs[0]))
    cipher = CIPHERS.get(int(arcs[1]))
    if kind is None or cipher is None:
        return None
    return ProtocolSpec(oid, kind[0], cipher, kind[1])


def ca_protocol(oid: str) -> ProtocolSpec | None:
    """Decode a Chip Authentication protocol OID, None if it is not one."""
    head, _, tail = oid.rpartition(".")
    agreement = {ID_CA_DH: "DH", ID_CA_ECDH: "ECDH"}.get(head)
    cipher = CIPHERS.get(int(tail)) if tail.isdigit() else None
    if agreement is None or cipher is None:
        return None
    return ProtocolSpec(oid, agreement, cipher)


def pace_oid(agreement: str, cipher: str, mapping: str = "GM") -> str:
    """OID for e.g. ("ECDH", "AES-128"): id-PACE-ECDH-GM-AES-CBC-CMAC-128."""
    family = {v: k for k, v in PACE_FAMILIES.items()}[(agreement, mapping)]
    suffix = {c.label: n for n, c in CIPHERS.items()}[cipher]
    return f"{ID_PACE}.{family}.{suffix}"


def ca_oid(agreement: str, cipher: str) -> str:
    """OID for e.g. ("ECDH", "3DES"): id-CA-ECDH-3DES-CBC-CBC."""
    suffix = {c.label: n for n, c in CIPHERS.items()}[cipher]
    return f"{ID_CA_ECDH if agreement == 'ECDH' else ID_CA_DH}.{suffix}"


@dataclass(frozen=True)
class PACEInfo:
    """PACEInfo: protocol, version (2) and optional parameter id."""

    protocol: str
    version: int
    parameter_id: int | None = None


@dataclass(frozen=True)
class PACEDomainParameterInfo:
    """Explicit or proprietary domain parameters for PACE."""

    protocol: str
    domain: Domain = field(repr=False)
    parameter_id: int | None = None


@dataclass(frozen=True)
class ChipAuthenticationInfo:
    """ChipAuthenticationInfo: protocol, version and optional key id."""

    protocol: str
    version: int
    key_id: int | None = None


@dataclass(frozen=True)
class ChipAuthenticationPublicKeyInfo:
    """The chip's static CA key: its domain, encoded public key, key id."""

    protocol: str
    domain: Domain = field(repr=False)
    public_key: bytes = field(repr=False)
    key_id: int | None = None


@dataclass
class SecurityInfos:
    """The SecurityInfos this library uses, plus the OIDs of the others."""

    pace: list[PACEInfo] = field(default_factory=list)
    pace_domains: list[PACEDomainParameterInfo] = field(default_factory=list)
    chip_authentication: list[ChipAuthenticationInfo] = field(
        default_factory=list)
    ca_public_keys: list[ChipAuthenticationPublicKeyInfo] = field(
        default_factory=list)
    other: list[str] = field(default_factory=list)


def der_integer(value: int) -> bytes:
    """DER INTEGER TLV of a non-negative int."""
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return tlv.encode(0x02, body)


def _uint(obj: tlv.TLV, what: str) -> int:
    if obj.tag != 0x02 or not obj.value:
        raise LDSError(f"{what} is not an INTEGER")
    if obj.value[0] & 0x80:
        raise LDSError(f"{what} is negative")
    return int.from_bytes(obj.value, "big")


def _oid(obj: tlv.TLV, what: str) -> str:
    if obj.tag != 0x06:
        raise LDSError(f"{what} is not an OBJECT IDENTIFIER")
    try:
        return tlv.decode_oid(obj.value)
    except TLVError as exc:
        raise LDSError(f"{what}: {exc}") from exc


def _kids(obj: tlv.TLV, what: str) -> list[tlv.TLV]:
    try:
        return obj.children()
    except TLVError as exc:
        raise LDSError(f"{what}: {exc}") from exc


def parse_security_infos(data: bytes) -> SecurityInfos:
    """Parse a DER ``SET OF SecurityInfo`` (EF.CardAccess, DG14 content)."""
    try:
        outer = tlv.decode(data, allow_trailing=True)
    except TLVError as exc:
        raise LDSError(f"SecurityInfos: {exc}") from exc
    if outer.tag != 0x31:
        raise LDSError("SecurityInfos must be a SET (31)")
    infos = SecurityInfos()
    for item in _kids(outer, "SecurityInfos"):
        parts = _kids(item, "SecurityInfo") if item.tag == 0x30 else []
        if not parts:
            raise LDSError("SecurityInfo must be a SEQUENCE")
        oid = _oid(parts[0], "SecurityInfo protocol")
        try:
            _parse_one(infos, oid, parts[1:])
        except (TLVError, ParseError, ValueError) as exc:
            raise LDSError(f"SecurityInfo {oid}: {exc}") from exc
    return infos


def _optional_id(parts: list[tlv.TLV], index: int, what: str) -> int | None:
    return _uint(parts[index], what) if len(parts) > index else None


def _parse_one(infos: SecurityInfos, oid: str, parts: list[tlv.TLV]) -> None:
    if pace_protocol(oid) is not None:
        if not parts:
            raise LDSError("PACEInfo needs a version")
        infos.pace.append(PACEInfo(oid, _uint(parts[0], "PACE version"),
                                   _optional_id(parts, 1, "parameterId")))
    elif pace_protocol(oid) is None and oid.startswith(ID_PACE + ".") and \
            oid.count(".") == ID_PACE.count(".") + 1:
        # id-PACE-DH-GM etc. without a cipher arc: PACEDomainParameterInfo.
        if not parts or parts[0].tag != 0x30:
            raise LDSError("PACEDomainParameterInfo needs an "
                           "AlgorithmIdentifier")
        infos.pace_domains.append(PACEDomainParameterInfo(
            oid, parse_algorithm(parts[0]),
            _optional_id(parts, 1, "parameterId")))
    elif ca_protocol(oid) is not None:
        if not parts:
            raise LDSError("ChipAuthenticationInfo needs a version")
        infos.chip_authentication.append(ChipAuthenticationInfo(
            oid, _uint(parts[0], "CA version"),
            _optional_id(parts, 1, "keyId")))
    elif oid in (ID_PK_DH, ID_PK_ECDH):
        if not parts or parts[0].tag != 0x30:
            raise LDSError("ChipAuthenticationPublicKeyInfo needs a "
                           "SubjectPublicKeyInfo")
        domain, public = parse_public_key_info(parts[0].encode())
        if (oid == ID_PK_ECDH) != isinstance(domain, ECDomain):
            raise LDSError("CA public key type does not match its protocol")
        infos.ca_public_keys.append(ChipAuthenticationPublicKeyInfo(
            oid, domain, public, _optional_id(parts, 1, "keyId")))
    else:
        infos.other.append(oid)


def parse_algorithm(alg: tlv.TLV) -> Domain:
    """Domain parameters from an AlgorithmIdentifier (EC, DH or a
    standardizedDomainParameters reference)."""
    parts = _kids(alg, "AlgorithmIdentifier")
    if not parts:
        raise LDSError("empty AlgorithmIdentifier")
    oid = _oid(parts[0], "algorithm")
    params = parts[1] if len(parts) > 1 else None
    if params is None:
        raise LDSError(f"algorithm {oid} carries no domain parameters")
    if oid == STANDARDIZED_DOMAIN_PARAMETERS:
        found = standard_parameters(_uint(params, "standardized id"))
        return ECDomain(found) if isinstance(found, Curve) else DHDomain(found)
    if oid == EC_PUBLIC_KEY:
        if params.tag == 0x06:
            curve = BY_OID.get(_oid(params, "namedCurve"))
            if curve is None:
                raise LDSError("unsupported named curve")
            return ECDomain(curve)
        return ECDomain(_explicit_curve(params))
    if oid in (DH_PUBLIC_NUMBER, DH_KEY_AGREEMENT):
        values = [_uint(v, "DH parameter") for v in
                  _kids(params, "DH parameters") if v.tag == 0x02]
        if len(values) < 2:
            raise LDSError("DH parameters need p and g")
        q = values[2] if oid == DH_PUBLIC_NUMBER and len(values) > 2 else None
        return DHDomain(identify_group(DHGroup("explicit", values[0],
                                               values[1], q)))
    raise LDSError(f"unsupported key algorithm {oid}")


def _explicit_curve(params: tlv.TLV) -> Curve:
    """Explicit ECParameters (X9.62), as many passports put in DG14."""
    parts = _kids(params, "ECParameters")
    if len(parts) < 5 or parts[1].tag != 0x30 or parts[2].tag != 0x30:
        raise LDSError("ECParameters are incomplete")
    field_id = _kids(parts[1], "fieldID")
    if len(field_id) != 2 or _oid(field_id[0], "field type") != PRIME_FIELD:
        raise LDSError("only prime-field curves are supported")
    p = _uint(field_id[1], "prime")
    coefficients = _kids(parts[2], "curve")
    if len(coefficients) < 2 or parts[3].tag != 0x04:
        raise LDSError("curve coefficients or base point missing")
    a = int.from_bytes(coefficients[0].value, "big")
    b = int.from_bytes(coefficients[1].value, "big")
    n = _uint(parts[4], "order")
    h = _uint(parts[5], "cofactor") if len(parts) > 5 else 1
    # Only named curves spelled out are taken (as for certificate keys):
    # arbitrary parameters would reach point decoding on a field that may
    # not even be prime.
    named = match_parameters(p, a, b, parts[3].value, n, h)
    if named is None:
        raise LDSError("explicit curve parameters match no named curve: "
                       "unknown curves are refused")
    return named


def parse_public_key_info(spki: bytes) -> tuple[Domain, bytes]:
    """SubjectPublicKeyInfo -> (domain, public key as used on the wire):
    the encoded point for EC, y as an octet string of the length of p
    for DH."""
    try:
        outer = tlv.decode(spki)
    except TLVError as exc:
        raise LDSError(f"SubjectPublicKeyInfo: {exc}") from exc
    parts = _kids(outer, "SubjectPublicKeyInfo")
    if len(parts) != 2 or parts[0].tag != 0x30 or parts[1].tag != 0x03:
        raise LDSError("SubjectPublicKeyInfo must be {algorithm, BIT STRING}")
    domain = parse_algorithm(parts[0])
    bits = parts[1].value
    if not bits or bits[0] != 0:
        raise LDSError("public key BIT STRING has unused bits")
    if isinstance(domain, ECDomain):
        domain.decode_public(bits[1:])  # raises unless a point on the curve
        return domain, bytes(bits[1:])
    try:
        value = _uint(tlv.decode(bits[1:]), "DH public value")
    except TLVError as exc:
        raise LDSError(f"DH public value: {exc}") from exc
    if not 1 < value < domain.group.p - 1:
        raise LDSError("DH public value is out of range")
    return domain, value.to_bytes(domain.size, "big")


def encode_public_key_info(domain: Domain, public: bytes) -> bytes:
    """SubjectPublicKeyInfo for a CA key (named curve or X9.42 DH)."""
    if isinstance(domain, ECDomain):
        alg = tlv.encode_oid(EC_PUBLIC_KEY) + \
            tlv.encode_oid(BY_NAME[domain.curve.name].oid)
        key = bytes(public)
    else:
        group = domain.group
        alg = tlv.encode_oid(DH_PUBLIC_NUMBER) + tlv.encode(0x30, b"".join(
            der_integer(v) for v in (group.p, group.g, group.q)))
        key = der_integer(int.from_bytes(public, "big"))
    return tlv.encode(0x30, tlv.encode(0x30, alg) +
                      tlv.encode(0x03, b"\x00" + key))


def encode_security_infos(items: list[bytes]) -> bytes:
    """DER SET OF: the encodings sorted, as DER requires."""
    return tlv.encode(0x31, b"".join(sorted(items)))


def encode_pace_info(protocol: str, parameter_id: int | None) -> bytes:
    """PACEInfo version 2."""
    body = tlv.encode_oid(protocol) + der_integer(2)
    if parameter_id is not None:
        body += der_integer(parameter_id)
    return tlv.encode(0x30, body)


def encode_ca_info(protocol: str, key_id: int | None) -> bytes:
    """ChipAuthenticationInfo version 1."""
    body = tlv.encode_oid(protocol) + der_integer(1)
    if key_id is not None:
        body += der_integer(key_id)
    return tlv.encode(0x30, body)


def encode_ca_public_key_info(domain: Domain, public: bytes,
                              key_id: int | None) -> bytes:
    """ChipAuthenticationPublicKeyInfo."""
    body = tlv.encode_oid(ID_PK_ECDH if isinstance(domain, ECDomain)
                          else ID_PK_DH) + \
        encode_public_key_info(domain, public)
    if key_id is not None:
        body += der_integer(key_id)
    return tlv.encode(0x30, body)
