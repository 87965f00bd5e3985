"""LDS file parsing: EF.COM, DG1, DG2, DG11, DG14, DG15 (Doc 9303 Part 10).

Each parser takes the complete file bytes and raises
:class:`~idcard.errors.LDSError` (or :class:`~idcard.errors.MRZError` for a
bad DG1) on anything unexpected.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from .. import tlv
from ..errors import LDSError, TLVError
from .keys import load_public_key
from .mrz import MRZ, parse_mrz

#: File identifiers of the eMRTD application.
FID_COM = 0x011E
FID_SOD = 0x011D
#: AID of the ICAO eMRTD LDS1 application.
LDS_AID = bytes.fromhex("A0000002471001")

TAG_COM = 0x60
TAG_SOD = 0x77
#: Data group number by its LDS tag.
DG_BY_TAG = {0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7,
             0x68: 8, 0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13,
             0x6E: 14, 0x6F: 15, 0x70: 16}
TAG_BY_DG = {dg: tag for tag, dg in DG_BY_TAG.items()}


def dg_fid(number: int) -> int:
    """File identifier of data group ``number`` (1..16)."""
    if not 1 <= number <= 16:
        raise LDSError(f"no data group {number}")
    return 0x0100 + number


def _outer(data: bytes, tag: int, what: str) -> tlv.TLV:
    try:
        obj = tlv.decode(data, allow_trailing=True)
    except TLVError as exc:
        raise LDSError(f"{what}: {exc}") from exc
    if obj.tag != tag:
        raise LDSError(f"{what}: expected tag {tag:02X}, found {obj.tag:X}")
    return obj


def _children(obj: tlv.TLV, what: str) -> list[tlv.TLV]:
    try:
        return obj.children()
    except TLVError as exc:
        raise LDSError(f"{what}: {exc}") from exc


@dataclass(frozen=True)
class EFCom:
    """Contents of EF.COM."""

    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


def parse_com(data: bytes) -> EFCom:
    """Parse EF.COM (tag 60) into versions and the list of data groups."""
    items = {c.tag: c.value for c in _children(_outer(data, TAG_COM, "EF.COM"),
                                               "EF.COM")}
    if 0x5C not in items:
        raise LDSError("EF.COM has no tag list (5C)")
    groups = []
    for tag in items[0x5C]:
        if tag not in DG_BY_TAG:
            raise LDSError(f"EF.COM lists unknown data group tag {tag:02X}")
        groups.append(DG_BY_TAG[tag])
    try:
        lds = items.get(0x5F01, b"").decode("ascii")
        uni = items.get(0x5F36, b"").decode("ascii")
    except UnicodeDecodeError as exc:
        raise LDSError("EF.COM version fields are not ASCII") from exc
    return EFCom(lds, uni, tuple(groups))


def parse_dg1(data: bytes) -> MRZ:
    """Parse DG1 (tag 61) and verify the MRZ it holds."""
    mrz = _outer(data, 0x61, "DG1")
    found = [c for c in _children(mrz, "DG1") if c.tag == 0x5F1F]
    if len(found) != 1:
        raise LDSError("DG1 must hold exactly one MRZ data object (5F1F)")
    try:
        text = found[0].value.decode("ascii")
    except UnicodeDecodeError as exc:
        raise LDSError("DG1 MRZ is not ASCII") from exc
    return parse_mrz(text)


_JPEG = b"\xff\xd8\xff"
_JP2 = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_J2K = b"\xff\x4f\xff\x51"


@dataclass(frozen=True)
class FaceImage:
    """A facial image from DG2 with its ISO 19794-5 image information."""

    data: bytes = field(repr=False)
    mime_type: str
    width: int
    height: int

    def to_pillow(self):
        """Decode into a :class:`PIL.Image.Image` (raises LDSError)."""
        from PIL import Image

        try:
            with warnings.catch_warnings():
                # A decompression bomb must fail, not just warn.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(self.data))
                image.load()
        except Exception as exc:  # Pillow raises many unrelated types.
            raise LDSError(f"facial image cannot be decoded: {exc}") from exc
        return image


def sniff_image_type(data: bytes, what: str = "facial image") -> str:
    """Media type of JPEG or JPEG 2000 (JP2 file or bare codestream) bytes; raises LDSError otherwise."""
    if data.startswith(_JPEG):
        return "image/jpeg"
    if data.startswith(_JP2) or data.startswith(_J2K):
        return "image/jp2"
    raise LDSError(f"{what} is neither JPEG nor JPEG 2000")


def _u(data: bytes, offset: int, size: int) -> int:
    if offset + size > len(data):
        raise LDSError("ISO 19794-5 record is truncated")
    return int.from_bytes(data[offset:offset + size], "big")


def parse_face_record(record: bytes) -> list[FaceImage]:
    """Parse an ISO/IEC 19794-5:2005 facial record ('FAC\\0' '010\\0')."""
    if record[:4] != b"FAC\x00":
        raise LDSError("biometric data block is not a facial record")
    if record[4:8] != b"010\x00":
        raise LDSError("unsupported ISO 19794-5 version "
                       f"{record[4:8]!r} (only 010 is supported)")
    length, count = _u(record, 8, 4), _u(record, 12, 2)
    if length != len(record):
        raise LDSError("facial record length does not match its header")
    if count == 0:
        raise LDSError("facial record holds no image")
    images, pos = [], 14
    for _ in range(count):
        block = _u(record, pos, 4)
        points = _u(record, pos + 4, 2)
        start = pos + 20 + 8 * points
        data_start = start + 12
        end = pos + block
        if block < 32 or data_start > end or end > len(record):
            raise LDSError("facial information block has a bad length")
        kind = _u(record, start + 1, 1)
        width, height = _u(record, start + 2, 2), _u(record, start + 4, 2)
        data = record[data_start:end]
        mime = sniff_image_type(data)
        if (kind == 0) != (mime == "image/jpeg"):
            raise LDSError("facial image data does not match its declared type")
        images.append(FaceImage(data, mime, width, height))
        pos = end
    if pos != len(record):
        raise LDSError("trailing bytes after the facial images")
    return images


def parse_dg2(data: bytes) -> list[FaceImage]:
    """Parse DG2 (tag 75) and return its facial images, first one first.

    Each template's data block is an ISO/IEC 19794-5 record (5F2E) or, since LDS 1.8, an
    ISO/IEC 39794-5 FaceImageDataBlock (7F2E, see `idcard.icao.face39794`).
    """
    from .face39794 import parse_face_image_data_block  # here: face39794 builds on this module's FaceImage

    outer = _outer(data, 0x75, "DG2")
    kids = _children(outer, "DG2")
    if len(kids) != 1 or kids[0].tag != 0x7F61:
        raise LDSError("DG2 must hold one biometric information group (7F61)")
    group = _children(kids[0], "DG2 7F61")
    if not group or group[0].tag != 0x02 or len(group[0].value) != 1:
        raise LDSError("DG2 7F61 must start with the instance count (02)")
    templates = [t for t in group[1:] if t.tag == 0x7F60]
    if len(templates) != group[0].value[0] or len(templates) != len(group) - 1:
        raise LDSError("DG2 instance count does not match its templates")
    images: list[FaceImage] = []
    for template in templates:
        blocks = [c for c in _children(template, "DG2 7F60")
                  if c.tag in (0x5F2E, 0x7F2E)]
        if len(blocks) != 1:
            raise LDSError("DG2 template must hold one biometric data block")
        if blocks[0].tag == 0x7F2E:
            images.extend(parse_face_image_data_block(blocks[0].value))
        else:
            images.extend(parse_face_record(blocks[0].value))
    if not images:
        raise LDSError("DG2 holds no facial image")
    return images


#: DG11 data objects by tag (Doc 9303 Part 10, 4.7.11).
DG11_FIELDS = {0x5F0E: "full_name", 0x5F10: "personal_number",
               0x5F2B: "full_date_of_birth", 0x5F11: "place_of_birth",
               0x5F42: "permanent_address", 0x5F12: "telephone",
               0x5F13: "profession", 0x5F14: "title",
               0x5F15: "personal_summary", 0x5F17: "other_td_numbers",
               0x5F18: "custody_information"}


def parse_dg11(data: bytes) -> dict[str, object]:
    """Parse DG11 (additional personal details) into named text fields."""
    result: dict[str, object] = {}
    for child in _children(_outer(data, 0x6B, "DG11"), "DG11"):
        if child.tag == 0xA0:
            names = [c for c in _children(child, "DG11 A0") if c.tag == 0x5F0F]
            result["other_names"] = [_text(c.value) for c in names]
        elif child.tag in DG11_FIELDS:
            result[DG11_FIELDS[child.tag]] = _text(child.value)
    return result


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LDSError("DG11 field is not UTF-8") from exc


def parse_dg15(data: bytes):
    """Return the active-authentication public key held by DG15 (see `idcard.icao.keys` for the
    encodings accepted beyond what ``cryptography`` loads: explicit EC parameters, unsigned moduli)."""
    return load_public_key(_outer(data, 0x6F, "DG15").value, LDSError, "DG15 public key")


@dataclass(frozen=True)
class SecurityInfo:
    """One SecurityInfo of DG14: protocol OID and its raw data objects."""

    protocol: str
    required: tlv.TLV
    optional: tlv.TLV | None


def parse_dg14(data: bytes) -> list[SecurityInfo]:
    """Parse DG14 (tag 6E) into its SecurityInfo entries."""
    kids = _children(_outer(data, 0x6E, "DG14"), "DG14")
    if len(kids) != 1 or kids[0].tag != 0x31:
        raise LDSError("DG14 must hold one SET OF SecurityInfo")
    infos = []
    for item in _children(kids[0], "DG14 SET"):
        parts = _children(item, "SecurityInfo") if item.tag == 0x30 else []
        if not 2 <= len(parts) <= 3 or parts[0].tag != 0x06:
            raise LDSError("SecurityInfo must be SEQUENCE {OID, data[, data]}")
        try:
            oid = tlv.decode_oid(parts[0].value)
        except TLVError as exc:
            raise LDSError(f"SecurityInfo protocol: {exc}") from exc
        infos.append(SecurityInfo(oid, parts[1],
                                  parts[2] if len(parts) == 3 else None))
    return infos


AA_INFO_OID = "2.23.136.1.1.5"
#: BSI TR-03111 ecdsa-plain-signatures OIDs and their hash names.
ECDSA_PLAIN = {"0.4.0.127.0.7.1.1.4.1.1": "sha1",
               "0.4.0.127.0.7.1.1.4.1.2": "sha224",
               "0.4.0.127.0.7.1.1.4.1.3": "sha256",
               "0.4.0.127.0.7.1.1.4.1.4": "sha384",
               "0.4.0.127.0.7.1.1.4.1.5": "sha512"}


def aa_hash_name(dg14: bytes | None) -> str | None:
    """Hash of the ECDSA active-authentication signature named in DG14."""
    if not dg14:
        return None
    for info in parse_dg14(dg14):
        if info.protocol == AA_INFO_OID and info.optional is not None:
            if info.optional.tag != 0x06:
                raise LDSError("ActiveAuthenticationInfo algorithm is not OID")
            try:
                oid = tlv.decode_oid(info.optional.value)
            except TLVError as exc:
                raise LDSError(f"ActiveAuthenticationInfo: {exc}") from exc
            if oid not in ECDSA_PLAIN:
                raise LDSError(f"unsupported AA signature algorithm {oid}")
            return ECDSA_PLAIN[oid]
    return None
