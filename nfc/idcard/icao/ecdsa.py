"""ECDSA verification in Python for the named curves ``cryptography`` lacks.

Doc 9303 Part 11 allows brainpoolP192r1, P224r1 and P320r1, which OpenSSL
(and so ``cryptography``) cannot load, yet document-signer certificates
and DG15 keys on them exist. :func:`idcard.icao.keys.load_public_key` turns
such keys into :class:`SoftwareECPublicKey`, which verifies with the
arithmetic of :mod:`idcard.icao.ecmath` on the parameters of
:mod:`idcard.icao.curves`.
"""

from __future__ import annotations

import base64
import textwrap

from asn1crypto import keys as a_keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from ..errors import ParseError
from .ecmath import Curve, add, decode_point, is_on_curve, multiply


def hash_to_int(curve: Curve, digest: bytes) -> int:
    """The ECDSA message representative: the leftmost bits of the digest, as many as n has."""
    value = int.from_bytes(digest, "big")
    excess = 8 * len(digest) - curve.n.bit_length()
    return value >> excess if excess > 0 else value


class SoftwareCurve(ec.EllipticCurve):
    """A curve ``cryptography`` has no class for, so that keys on it can say their curve."""

    def __init__(self, params: Curve) -> None:
        self.params = params

    @property
    def name(self) -> str:
        """The curve's standard name."""
        return self.params.name

    @property
    def key_size(self) -> int:
        """Field size in bits."""
        return self.params.key_size

    @property
    def group_order(self) -> int:
        """Order n of the generator."""
        return self.params.n


class SoftwareECPublicKey(ec.EllipticCurvePublicKey):
    """An EC public key on a curve ``cryptography`` cannot load, verifying ECDSA in Python.

    It is an :class:`~cryptography.hazmat.primitives.asymmetric.ec.EllipticCurvePublicKey`, so the
    signature checks of CMS, certificates and active authentication take it unchanged. Verification
    touches only public data, so the variable-time arithmetic leaks nothing secret.
    """

    def __init__(self, params: Curve, point: tuple[int, int]) -> None:
        if params.h != 1 or not is_on_curve(params, point):
            raise ValueError(f"point is not a valid {params.name} public key")
        self._params, self._point = params, point

    @classmethod
    def from_encoded(cls, params: Curve, data: bytes) -> SoftwareECPublicKey:
        """Key from an X9.62 encoded point; raises ValueError, as ``cryptography`` does."""
        try:
            return cls(params, decode_point(params, data, hybrid=True))
        except ParseError as exc:
            raise ValueError(str(exc)) from exc

    @property
    def curve(self) -> ec.EllipticCurve:
        """The key's curve."""
        return SoftwareCurve(self._params)

    @property
    def key_size(self) -> int:
        """Field size in bits."""
        return self._params.key_size

    def public_numbers(self) -> ec.EllipticCurvePublicNumbers:
        """x, y and the curve (``.public_key()`` on them cannot work: cryptography lacks the curve)."""
        return ec.EllipticCurvePublicNumbers(self._point[0], self._point[1], self.curve)

    def public_bytes(self, encoding: serialization.Encoding, format: serialization.PublicFormat) -> bytes:  # noqa: A002 - the base class names it so
        """X9.62 point, or SubjectPublicKeyInfo (DER or PEM) naming the curve by OID."""
        size = self._params.size
        x, y = self._point
        if encoding is serialization.Encoding.X962:
            if format is serialization.PublicFormat.CompressedPoint:
                return bytes([2 | (y & 1)]) + x.to_bytes(size, "big")
            if format is serialization.PublicFormat.UncompressedPoint:
                return b"\x04" + x.to_bytes(size, "big") + y.to_bytes(size, "big")
        elif format is serialization.PublicFormat.SubjectPublicKeyInfo and \
                encoding in (serialization.Encoding.DER, serialization.Encoding.PEM):
            der = a_keys.PublicKeyInfo({
                "algorithm": {"algorithm": "ec", "parameters": a_keys.ECDomainParameters(
                    name="named", value=self._params.oid)},
                "public_key": b"\x04" + x.to_bytes(size, "big") + y.to_bytes(size, "big")}).dump()
            if encoding is serialization.Encoding.DER:
                return der
            body = "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 64))
            return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n".encode("ascii")
        raise ValueError("unsupported encoding or format for this key")

    def verify(self, signature: bytes, data: bytes, signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> None:
        """ECDSA verification of a DER signature; raises InvalidSignature."""
        if not isinstance(signature_algorithm, ec.ECDSA):
            raise TypeError("only ECDSA is supported")
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, utils.Prehashed):
            digest = bytes(data)
        else:
            context = hashes.Hash(algorithm)
            context.update(bytes(data))
            digest = context.finalize()
        try:
            r, s = utils.decode_dss_signature(bytes(signature))
        except ValueError as exc:
            raise InvalidSignature("malformed ECDSA signature") from exc
        c = self._params
        if not (0 < r < c.n and 0 < s < c.n):
            raise InvalidSignature("ECDSA signature out of range")
        w = pow(s, -1, c.n)
        total = add(c, multiply(c, hash_to_int(c, digest) * w % c.n, c.generator),
                    multiply(c, r * w % c.n, self._point))
        if total is None or total[0] % c.n != r:
            raise InvalidSignature("ECDSA signature does not verify")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftwareECPublicKey) and \
            (other._params.oid, other._point) == (self._params.oid, self._point)

    def __hash__(self) -> int:
        return hash((self._params.oid, self._point))

    def __copy__(self) -> SoftwareECPublicKey:
        return self  # immutable

    def __deepcopy__(self, memo: dict) -> SoftwareECPublicKey:
        return self
