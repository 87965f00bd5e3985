"""Key agreement domains for PACE and Chip Authentication: ECDH and DH.

Both protocols need the same handful of operations on either kind of
domain: pick a private key, encode the public key for the APDU, check the
peer's public key, agree on a shared secret (Part 11, 9.6: the x coordinate
for ECDH, ``PK^SK mod p`` for DH, each as an octet string of the field
length), and for PACE Generic Mapping derive the mapped domain. Keeping the
two behind one interface lets PACE, CA and the software card share the code.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import ec

from .. import tlv
from ..errors import ParseError
from . import ecmath
from .curves import NATIVE_CURVES
from .domains import DHGroup
from .ecmath import Curve, Point

Rng = Callable[[int], bytes]


def _random_below(limit: int, rng: Rng) -> int:
    """Uniform-enough integer in [1, limit - 1] (64 extra bits of input)."""
    width = (limit.bit_length() + 7) // 8 + 8
    return int.from_bytes(rng(width), "big") % (limit - 1) + 1


class ECDomain:
    """An elliptic curve with a generator: the standard one or, after
    Generic Mapping, the mapped generator G'."""

    kind = "ECDH"
    #: Tag of the public key inside a public key data object (7F49).
    public_tag = 0x86

    def __init__(self, curve: Curve, generator: tuple[int, int] | None = None
                 ) -> None:
        self.curve = curve
        self.generator = generator or curve.generator
        self.standard = self.generator == curve.generator
        native = NATIVE_CURVES.get(curve.name)
        self._native = native() if native is not None else None

    @property
    def name(self) -> str:
        """Curve name, marked when the generator is a mapped one."""
        return self.curve.name if self.standard else f"{self.curve.name} (mapped)"

    @property
    def size(self) -> int:
        """Length of one coordinate in bytes."""
        return self.curve.size

    def random_private(self, rng: Rng = os.urandom) -> int:
        """A private key in [1, n - 1]."""
        return _random_below(self.curve.n, rng)

    def _mul_generator(self, scalar: int) -> tuple[int, int]:
        if self.standard and self._native is not None and \
                0 < scalar < self.curve.n:
            numbers = ec.derive_private_key(scalar, self._native) \
                .public_key().public_numbers()
            return numbers.x, numbers.y
        point = ecmath.multiply(self.curve, scalar, self.generator)
        if point is None:
            raise ValueError("scalar is a multiple of the group order")
        return point

    def public_point(self, private: int) -> tuple[int, int]:
        """private * generator."""
        return self._mul_generator(private)

    def public_key(self, private: int) -> bytes:
        """Uncompressed encoding of private * generator."""
        return ecmath.encode_point(self.curve, self.public_point(private))

    def decode_public(self, data: bytes) -> tuple[int, int]:
        """Decode and validate a peer public key (on the curve, not O).

        The curves here have cofactor 1, so being on the curve also means
        being in the prime-order group.
        """
        point = ecmath.decode_point(self.curve, data)
        if self.curve.h != 1 and ecmath.multiply(
                self.curve, self.curve.n, point) is not None:
            raise ParseError("public key is not in the prime-order subgroup")
        return point

    def shared_point(self, private: int, peer: bytes) -> tuple[int, int]:
        """private * peer as a full point (Generic Mapping needs y too)."""
        point = ecmath.multiply(self.curve, private, self.decode_public(peer))
        if point is None:
            raise ParseError("key agreement gave the point at infinity")
        return point

    def agree(self, private: int, peer: bytes) -> bytes:
        """ECDH shared secret: the x coordinate of private * peer."""
        point = self.decode_public(peer)
        if self._native is not None and 0 < private < self.curve.n:
            key = ec.derive_private_key(private, self._native)
            other = ec.EllipticCurvePublicNumbers(point[0], point[1],
                                                  self._native).public_key()
            return key.exchange(ec.ECDH(), other)
        shared = ecmath.multiply(self.curve, private, point)
        if shared is None:
            raise ParseError("key agreement gave the point at infinity")
        return shared[0].to_bytes(self.size, "big")

    def map_generic(self, nonce: int, private: int, peer: bytes) -> ECDomain:
        """Generic Mapping: G' = s * G + H with H = private * peer."""
        return self.mapped(nonce, self.shared_point(private, peer))

    def mapped(self, nonce: int, shared: Point) -> ECDomain:
        """The domain with generator s * G + ``shared``."""
        generator = ecmath.add(self.curve, self._mul_generator(nonce), shared)
        if generator is None:
            raise ParseError("Generic Mapping gave the point at infinity")
        return ECDomain(self.curve, generator)

    def token_value(self, public: bytes) -> bytes:
        """The public key as it appears in DO'86' of the token input."""
        return bytes(public)

    def encode_private(self, private: int) -> bytes:
        """Fixed-length big-endian private key."""
        return private.to_bytes((self.curve.n.bit_length() + 7) // 8, "big")


class DHDomain:
    """A MODP group with a generator: the standard g or a mapped g'."""

    kind = "DH"
    public_tag = 0x84

    def __init__(self, group: DHGroup, generator: int | None = None) -> None:
        self.group = group
        self.generator = group.g if generator is None else generator
        self.standard = self.generator == group.g

    @property
    def name(self) -> str:
        """Group name, marked when the generator is a mapped one."""
        return self.group.name if self.standard else f"{self.group.name} (mapped)"

    @property
    def size(self) -> int:
        """Length of a group element in bytes."""
        return self.group.size

    def random_private(self, rng: Rng = os.urandom) -> int:
        """A private exponent in [1, q - 1] (256 random bits without q)."""
        if self.group.q is not None:
            return _random_below(self.group.q, rng)
        return int.from_bytes(rng(32), "big") | 1 << 255

    def public_value(self, private: int) -> int:
        """generator ** private mod p."""
        return pow(self.generator, private, self.group.p)

    def public_key(self, private: int) -> bytes:
        """Public value as an octet string of the length of p."""
        return self.public_value(private).to_bytes(self.size, "big")

    def decode_public(self, data: bytes) -> int:
        """Decode and validate a peer public value.

        1 < y < p - 1, and y^q = 1 when q is known: a value outside the
        prime-order subgroup would leak the private exponent modulo small
        factors of p - 1.
        """
        data = bytes(data)
        if not data or len(data) > self.size:
            raise ParseError("DH public value has the wrong length")
        value = int.from_bytes(data, "big")
        p, q = self.group.p, self.group.q
        if not 1 < value < p - 1:
            raise ParseError("DH public value is out of range")
        if q is not None and pow(value, q, p) != 1:
            raise ParseError("DH public value is not in the prime-order "
                             "subgroup")
        return value

    def shared_value(self, private: int, peer: bytes) -> int:
        """peer ** private mod p."""
        return pow(self.decode_public(peer), private, self.group.p)

    def agree(self, private: int, peer: bytes) -> bytes:
        """DH shared secret as an octet string of the length of p."""
        return self.shared_value(private, peer).to_bytes(self.size, "big")

    def map_generic(self, nonce: int, private: int, peer: bytes) -> DHDomain:
        """Generic Mapping: g' = g^s * h with h = peer^private mod p."""
        return self.mapped(nonce, self.shared_value(private, peer))

    def mapped(self, nonce: int, shared: int) -> DHDomain:
        """The domain with generator g^s * ``shared`` mod p."""
        p = self.group.p
        generator = pow(self.group.g, nonce, p) * shared % p
        if generator in (0, 1, p - 1):
            raise ParseError("Generic Mapping gave a degenerate generator")
        return DHDomain(self.group, generator)

    def token_value(self, public: bytes) -> bytes:
        """The public value as unsigned integer (no leading zero bytes),
        as TR-03110 encodes DO'84' of a DH public key data object."""
        return bytes(public).lstrip(b"\x00") or b"\x00"

    def encode_private(self, private: int) -> bytes:
        """Minimal big-endian private exponent."""
        return private.to_bytes(max(1, (private.bit_length() + 7) // 8), "big")


Domain = ECDomain | DHDomain


def public_key_object(protocol_oid: str, domain: Domain, public: bytes) -> bytes:
    """Public key data object 7F49 {06 OID, 86 point | 84 y}: the input of
    the PACE authentication tokens (Part 11, 9.4.3)."""
    return tlv.encode(0x7F49, tlv.encode_oid(protocol_oid) + tlv.encode(
        domain.public_tag, domain.token_value(public)))


def decode_private(domain: Domain, data: bytes) -> int:
    """Private key bytes to int, checked against the domain's order."""
    value = int.from_bytes(bytes(data), "big")
    limit = domain.curve.n if isinstance(domain, ECDomain) else \
        (domain.group.q or domain.group.p - 1)
    if not 0 < value < limit:
        raise ParseError("private key is out of range for the domain")
    return value
