"""Bounded BER-TLV decoding and encoding (ISO/IEC 7816-4 / ICAO 9303 LDS).

The decoder only ever looks at bytes inside the buffer it was given: every
length is checked against what is left before it is used, so truncated or
oversized input raises :class:`~idcard.errors.TLVError` instead of reading past
the end. Children are decoded one level at a time, so deeply nested input
cannot exhaust the Python stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .errors import TLVError

#: Longest tag accepted, in bytes. LDS tags are at most two bytes long; three
#: leaves room for ISO 7816 extensions without accepting absurd tags.
MAX_TAG_BYTES = 3
#: Longest length field accepted after the 0x8n prefix. Files on an eMRTD are
#: far below 16 MiB, so 0x83 is the longest form that makes sense.
MAX_LENGTH_BYTES = 3


@dataclass(frozen=True)
class TLV:
    """One decoded tag-length-value object."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        """True when the tag says the value holds further TLV objects."""
        return bool(_first_tag_byte(self.tag) & 0x20)

    def children(self) -> list[TLV]:
        """Decode the value as a sequence of TLV objects (one level)."""
        if not self.constructed:
            raise TLVError(f"tag {self.tag:X} is primitive, it has no children")
        return decode_all(self.value)

    def find(self, tag: int) -> TLV | None:
        """Return the first direct child with ``tag`` or None."""
        for child in self.children():
            if child.tag == tag:
                return child
        return None

    def require(self, tag: int) -> TLV:
        """Return the first direct child with ``tag`` or raise TLVError."""
        found = self.find(tag)
        if found is None:
            raise TLVError(f"tag {tag:X} missing inside {self.tag:X}")
        return found

    def encode(self) -> bytes:
        """Encode this object back to bytes."""
        return encode(self.tag, self.value)


def _first_tag_byte(tag: int) -> int:
    while tag > 0xFF:
        tag >>= 8
    return tag


def read_header(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """Decode the tag and length starting at ``offset``.

    Returns ``(tag, value_offset, value_length)``. The value is guaranteed to
    lie inside ``data``.
    """
    end = len(data)
    if offset >= end:
        raise TLVError("truncated TLV: no tag byte")
    first = data[offset]
    if first in (0x00, 0xFF):
        # Padding bytes between objects are allowed by ISO 7816 but never
        # appear in LDS files; treating them as tags would hide corruption.
        raise TLVError(f"invalid tag byte {first:02X} at offset {offset}")
    tag = first
    pos = offset + 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= end:
                raise TLVError("truncated TLV: tag continues past the end")
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if pos - offset > MAX_TAG_BYTES:
                raise TLVError("tag longer than supported")
            if not byte & 0x80:
                break
    if pos >= end:
        raise TLVError("truncated TLV: no length byte")
    length_byte = data[pos]
    pos += 1
    if length_byte < 0x80:
        length = length_byte
    elif length_byte == 0x80:
        raise TLVError("indefinite length is not allowed in DER/LDS data")
    else:
        count = length_byte & 0x7F
        if count > MAX_LENGTH_BYTES:
            raise TLVError(f"length field of {count} bytes is not supported")
        if pos + count > end:
            raise TLVError("truncated TLV: length field past the end")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if length > end - pos:
        raise TLVError(
            f"TLV {tag:X} declares {length} bytes but only {end - pos} remain")
    return tag, pos, length


def decode(data: bytes, *, allow_trailing: bool = False) -> TLV:
    """Decode exactly one TLV object from ``data``.

    Trailing bytes are an error unless ``allow_trailing`` is set (EF files are
    often read with padding after the object).
    """
    data = bytes(data)
    tag, pos, length = read_header(data)
    if not allow_trailing and pos + length != len(data):
        raise TLVError(f"{len(data) - pos - length} trailing bytes after TLV")
    return TLV(tag, data[pos:pos + length])


def iter_decode(data: bytes) -> Iterator[TLV]:
    """Yield consecutive TLV objects filling ``data`` completely."""
    data = bytes(data)
    offset = 0
    while offset < len(data):
        tag, pos, length = read_header(data, offset)
        yield TLV(tag, data[pos:pos + length])
        offset = pos + length


def decode_all(data: bytes) -> list[TLV]:
    """Decode consecutive TLV objects filling ``data`` completely."""
    return list(iter_decode(data))


def encode_length(length: int) -> bytes:
    """Encode a definite length in the shortest BER form."""
    if length < 0:
        raise TLVError("negative length")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    if len(body) > MAX_LENGTH_BYTES:
        raise TLVError("value too long to encode")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    """Encode one TLV object."""
    if tag <= 0 or tag >= 1 << (8 * MAX_TAG_BYTES):
        raise TLVError(f"tag {tag:X} out of range")
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    return tag_bytes + encode_length(len(value)) + bytes(value)


def total_length(header: bytes) -> int:
    """Size of the whole TLV object whose first bytes are ``header``.

    Used to learn a file's size from its first few bytes; only the tag and
    length need to be present, the value may be missing.
    """
    header = bytes(header)
    end = len(header)
    if end < 2:
        raise TLVError("need at least two bytes to read a TLV header")
    pos = 1
    if header[0] in (0x00, 0xFF):
        raise TLVError(f"invalid tag byte {header[0]:02X}")
    if header[0] & 0x1F == 0x1F:
        while True:
            if pos >= end or pos >= MAX_TAG_BYTES:
                raise TLVError("tag too long or truncated")
            pos += 1
            if not header[pos - 1] & 0x80:
                break
    if pos >= end:
        raise TLVError("truncated TLV header")
    length_byte = header[pos]
    pos += 1
    if length_byte < 0x80:
        return pos + length_byte
    count = length_byte & 0x7F
    if count == 0 or count > MAX_LENGTH_BYTES:
        raise TLVError("unsupported length form")
    if pos + count > end:
        raise TLVError("truncated TLV length")
    return pos + count + int.from_bytes(header[pos:pos + count], "big")


def decode_oid(value: bytes) -> str:
    """Decode the value of a DER OBJECT IDENTIFIER to dotted form."""
    value = bytes(value)
    if not value or len(value) > 64 or value[-1] & 0x80:
        raise TLVError("malformed object identifier")
    arcs: list[int] = []
    current = 0
    for byte in value:
        if current == 0 and byte == 0x80:
            raise TLVError("object identifier arc has a leading zero byte")
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in head + arcs[1:])


def encode_oid(dotted: str) -> bytes:
    """Encode a dotted object identifier as a complete DER TLV (tag 06)."""
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise TLVError(f"invalid object identifier {dotted}")
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1]] + arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return encode(0x06, bytes(body))
