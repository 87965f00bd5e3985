"""Prime-field elliptic curve arithmetic: the library's only implementation.

``cryptography`` only multiplies by the standard generator and only returns
the x coordinate of an ECDH product; PACE Generic Mapping needs full points
(``H = SK * PK``, ``G' = s*G + H``) and scalar multiples of a generator no
library knows, and the ECDSA verifier of :mod:`idcard.icao.ecdsa` needs
curves ``cryptography`` lacks altogether. This module does that arithmetic
in pure Python: Jacobian coordinates, a fixed 4-bit window and one batched
inversion for the table. The named curves themselves are in
:mod:`idcard.icao.curves`.

It is not constant time. That is acceptable for the terminal side, whose
keys are ephemeral and live for one read, for signature verification,
which touches only public values, and for the software card, which is a
test double; it would not be for a long-term key on a shared host.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ParseError

#: The point at infinity is represented by None.
Point = tuple[int, int] | None
_Jacobian = tuple[int, int, int]


@dataclass(frozen=True)
class Curve:
    """Short Weierstrass curve y^2 = x^3 + ax + b over GF(p) with a
    generator of prime order ``n`` and cofactor ``h``; ``oid`` names a
    named curve (None for explicit parameters that match none)."""

    name: str
    p: int = field(repr=False)
    a: int = field(repr=False)
    b: int = field(repr=False)
    gx: int = field(repr=False)
    gy: int = field(repr=False)
    n: int = field(repr=False)
    h: int = 1
    oid: str | None = None

    @property
    def key_size(self) -> int:
        """Field size in bits, what ``cryptography`` calls a curve's key size."""
        return self.p.bit_length()

    @property
    def size(self) -> int:
        """Bytes of one field element (coordinate length in encodings)."""
        return (self.p.bit_length() + 7) // 8

    @property
    def generator(self) -> tuple[int, int]:
        """The standard base point."""
        return self.gx, self.gy


def is_on_curve(curve: Curve, point: Point) -> bool:
    """True for a finite point whose coordinates satisfy the equation."""
    if point is None:
        return False
    x, y = point
    p = curve.p
    if not (0 <= x < p and 0 <= y < p):
        return False
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def _to_affine(curve: Curve, point: _Jacobian) -> Point:
    x, y, z = point
    if z == 0:
        return None
    p = curve.p
    zi = pow(z, -1, p)
    zi2 = zi * zi % p
    return x * zi2 % p, y * zi2 * zi % p


def _double(curve: Curve, point: _Jacobian) -> _Jacobian:
    x, y, z = point
    if z == 0 or y == 0:
        return 0, 1, 0
    p = curve.p
    yy = y * y % p
    s = 4 * x * yy % p
    zz = z * z % p
    m = (3 * x * x + curve.a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    return x3, y3, 2 * y * z % p


def _add_mixed(curve: Curve, point: _Jacobian, other: tuple[int, int]
               ) -> _Jacobian:
    """Jacobian + affine; the affine point must be finite."""
    x1, y1, z1 = point
    x2, y2 = other
    if z1 == 0:
        return x2, y2, 1
    p = curve.p
    z1z1 = z1 * z1 % p
    u2 = x2 * z1z1 % p
    s2 = y2 * z1 * z1z1 % p
    h = (u2 - x1) % p
    r = (s2 - y1) % p
    if h == 0:
        return _double(curve, point) if r == 0 else (0, 1, 0)
    hh = h * h % p
    hhh = h * hh % p
    v = x1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - y1 * hhh) % p
    return x3, y3, z1 * h % p


def add(curve: Curve, left: Point, right: Point) -> Point:
    """Affine point addition (either side may be the point at infinity)."""
    if left is None:
        return right
    if right is None:
        return left
    return _to_affine(curve, _add_mixed(curve, (left[0], left[1], 1), right))


def negate(curve: Curve, point: Point) -> Point:
    """-P."""
    if point is None:
        return None
    return point[0], (-point[1]) % curve.p


def _window_table(curve: Curve, point: tuple[int, int]) -> list[Point]:
    """[None, P, 2P, ..., 15P] in affine form, with one shared inversion."""
    jac: list[_Jacobian] = [(point[0], point[1], 1)]
    for _ in range(14):
        jac.append(_add_mixed(curve, jac[-1], point))
    p = curve.p
    # Montgomery's trick: invert the product of all Z once.
    prefix, acc = [], 1
    for _, _, z in jac:
        prefix.append(acc)
        acc = acc * z % p if z else acc
    inv = pow(acc, -1, p)
    table: list[Point] = [None] * 16
    for i in range(len(jac) - 1, -1, -1):
        x, y, z = jac[i]
        if z == 0:
            continue
        zi = inv * prefix[i] % p
        inv = inv * z % p
        zi2 = zi * zi % p
        table[i + 1] = (x * zi2 % p, y * zi2 * zi % p)
    return table


def multiply(curve: Curve, scalar: int, point: Point) -> Point:
    """scalar * point (the scalar is reduced modulo nothing: any int >= 0)."""
    if point is None or scalar == 0:
        return None
    if scalar < 0:
        return multiply(curve, -scalar, negate(curve, point))
    table = _window_table(curve, point)
    acc: _Jacobian = (0, 1, 0)
    nibbles = (scalar.bit_length() + 3) // 4
    for i in range(nibbles - 1, -1, -1):
        if acc[2]:
            for _ in range(4):
                acc = _double(curve, acc)
        digit = (scalar >> (4 * i)) & 0xF
        if digit:
            entry = table[digit]
            if entry is not None:
                acc = _add_mixed(curve, acc, entry)
    return _to_affine(curve, acc)


def encode_point(curve: Curve, point: Point) -> bytes:
    """Uncompressed SEC 1 encoding 04 || X || Y."""
    if point is None:
        raise ValueError("the point at infinity has no uncompressed encoding")
    size = curve.size
    return b"\x04" + point[0].to_bytes(size, "big") + \
        point[1].to_bytes(size, "big")


def decode_point(curve: Curve, data: bytes, *, hybrid: bool = False
                 ) -> tuple[int, int]:
    """Decode an uncompressed or compressed point and check it is on the
    curve; raises ParseError otherwise (invalid-curve attacks start here).

    ``hybrid`` also takes X9.62's hybrid form (06/07 || X || Y): keys in
    certificates and DG15 may use it, PACE and CA (TR-03111) may not. Its
    parity bit is not checked against Y, which is given in full anyway.
    """
    data = bytes(data)
    size = curve.size
    uncompressed = (0x04, 0x06, 0x07) if hybrid else (0x04,)
    if len(data) == 1 + 2 * size and data[0] in uncompressed:
        point = (int.from_bytes(data[1:1 + size], "big"),
                 int.from_bytes(data[1 + size:], "big"))
    elif len(data) == 1 + size and data[0] in (0x02, 0x03):
        point = _decompress(curve, int.from_bytes(data[1:], "big"),
                            data[0] & 1)
    else:
        raise ParseError(f"not an encoded point of {curve.name}")
    if not is_on_curve(curve, point):
        raise ParseError(f"point is not on {curve.name}")
    return point


def _decompress(curve: Curve, x: int, odd: int) -> tuple[int, int]:
    p = curve.p
    if x >= p:
        raise ParseError("compressed point x is not a field element")
    rhs = (x * x * x + curve.a * x + curve.b) % p
    y = _sqrt(rhs, p)
    if y is None:
        raise ParseError(f"compressed point is not on {curve.name}")
    if y & 1 != odd:
        y = p - y
    return x, y % p


def _sqrt(value: int, p: int) -> int | None:
    """Square root modulo an odd prime (Tonelli-Shanks), or None."""
    value %= p
    if value == 0:
        return 0
    if pow(value, (p - 1) // 2, p) != 1:
        return None
    if p % 4 == 3:
        return pow(value, (p + 1) // 4, p)
    q, s = p - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    # Bounded loops: on a prime field both end quickly; on anything else
    # (hostile parameters) they give up instead of spinning.
    z = 2
    while pow(z, (p - 1) // 2, p) != p - 1:
        z += 1
        if z > 10_000:
            return None
    m, c, t, r = s, pow(z, q, p), pow(value, q, p), pow(value, (q + 1) // 2, p)
    while t != 1:
        i, t2 = 1, t * t % p
        while t2 != 1:
            t2, i = t2 * t2 % p, i + 1
            if i >= m:
                return None
        b = pow(c, 1 << (m - i - 1), p)
        m, c, t, r = i, b * b % p, t * b * b % p, r * b % p
    return r
