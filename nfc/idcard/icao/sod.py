"""EF.SOD: the document security object (Doc 9303 Part 10 4.6, Part 11 5.1).

EF.SOD is tag 77 around a CMS SignedData whose encapsulated content is the
LDSSecurityObject: a hash algorithm and one hash per data group.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from asn1crypto import algos, core
from cryptography import x509

from .. import tlv
from ..errors import SODError, TLVError
from .cms import SignedContent, digest, guard, parse_signed_data, verify_signed_content

LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"


class DataGroupHash(core.Sequence):
    """ASN.1 DataGroupHash."""

    _fields = [("data_group_number", core.Integer),
               ("data_group_hash_value", core.OctetString)]


class DataGroupHashValues(core.SequenceOf):
    """ASN.1 SEQUENCE OF DataGroupHash."""

    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    """ASN.1 LDSVersionInfo (LDS 1.8)."""

    _fields = [("lds_version", core.PrintableString),
               ("unicode_version", core.PrintableString)]


class LDSSecurityObject(core.Sequence):
    """ASN.1 LDSSecurityObject."""

    _fields = [("version", core.Integer),
               ("hash_algorithm", algos.DigestAlgorithm),
               ("data_group_hash_values", DataGroupHashValues),
               ("lds_version_info", LDSVersionInfo, {"optional": True})]


@dataclass(frozen=True)
class SecurityObject:
    """A parsed EF.SOD."""

    raw: bytes
    hash_algorithm: str
    hashes: dict[int, bytes]
    signed: SignedContent

    @property
    def signer_certificate(self) -> x509.Certificate | None:
        """The document-signer certificate embedded in the SignedData."""
        return self.signed.signer_certificate

    def verify_signature(self) -> x509.Certificate:
        """Verify the CMS signature; return the DS certificate.

        Raises :class:`~idcard.errors.SignatureError` with the reason.
        """
        return verify_signed_content(self.signed)

    def check_hashes(self, files: dict[int, bytes]) -> list[str]:
        """Compare each given data group with its hash in the SOD.

        Returns a list of problems (empty when all match): a data group that
        was read but has no hash is a problem too, since it is unprotected.
        """
        problems = []
        for number in sorted(files):
            expected = self.hashes.get(number)
            if expected is None:
                problems.append(f"DG{number} has no hash in EF.SOD")
                continue
            actual = digest(self.hash_algorithm, files[number])
            if not hmac.compare_digest(actual, expected):
                problems.append(f"DG{number} hash does not match EF.SOD")
        return problems


def parse_sod(data: bytes) -> SecurityObject:
    """Parse EF.SOD; raises :class:`~idcard.errors.SODError` if malformed."""
    data = bytes(data)
    try:
        outer = tlv.decode(data, allow_trailing=True)
    except TLVError as exc:
        raise SODError(f"EF.SOD: {exc}") from exc
    if outer.tag != 0x77:
        raise SODError(f"EF.SOD must start with tag 77, found {outer.tag:X}")
    signed = parse_signed_data(outer.value, SODError, LDS_SECURITY_OBJECT_OID)
    with guard(SODError, "LDSSecurityObject"):
        lso = LDSSecurityObject.load(signed.content, strict=True)
        version = lso["version"].native
        if version not in (0, 1):
            raise SODError(f"unsupported LDSSecurityObject version {version}")
        algorithm = lso["hash_algorithm"]["algorithm"].native
        hashes: dict[int, bytes] = {}
        for item in lso["data_group_hash_values"]:
            number = item["data_group_number"].native
            value = item["data_group_hash_value"].native
            if not 1 <= number <= 16 or number in hashes:
                raise SODError(f"invalid or repeated data group {number}")
            hashes[number] = value
        lso["lds_version_info"].native  # noqa: B018 - touching it makes asn1crypto parse (and reject) now
    if not hashes:
        raise SODError("LDSSecurityObject lists no data group")
    try:
        size = len(digest(algorithm, b""))
    except Exception as exc:
        raise SODError(f"unsupported hash algorithm {algorithm}") from exc
    for number, value in hashes.items():
        if len(value) != size:
            raise SODError(f"DG{number} hash has the wrong length")
    return SecurityObject(data, algorithm, hashes, signed)
