"""DG7, DG12, DG13 and DG16 (Doc 9303 Part 10, 4.7.7, 4.7.12, 4.7.13 and 4.7.16).

Like the parsers in :mod:`idcard.icao.lds`, each takes the complete file and raises
:class:`~idcard.errors.LDSError` on a structure it cannot trust. Text fields are read as UTF-8 (the
LDS 1.7 encoding, of which the older ASCII and Latin letters of the MRZ character set are a subset).
Dates of DG12 and DG16 are returned as digits, as written: YYYYMMDD (or YYYYMMDDHHMMSS for the
personalization time); the 4- and 7-byte BCD forms some issuers write are turned into the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import tlv
from ..errors import LDSError, TLVError
from .lds import sniff_image_type


@dataclass(frozen=True)
class DisplayedImage:
    """An image a data group carries for display (signature, document front or rear)."""

    data: bytes = field(repr=False)
    mime_type: str


def _outer(data: bytes, tag: int, what: str) -> list[tlv.TLV]:
    try:
        obj = tlv.decode(bytes(data), allow_trailing=True)
        if obj.tag != tag:
            raise LDSError(f"{what}: expected tag {tag:02X}, found {obj.tag:X}")
        return obj.children()
    except TLVError as exc:
        raise LDSError(f"{what}: {exc}") from exc


def _text(value: bytes, what: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LDSError(f"{what} is not UTF-8") from exc


def _digits(value: bytes, size: int, what: str) -> str:
    """``size`` decimal digits from ASCII digits or from BCD (two digits a byte)."""
    if len(value) == size and value.isdigit():
        return value.decode("ascii")
    if len(value) * 2 == size:
        text = value.hex()
        if text.isdigit():
            return text
    raise LDSError(f"{what} must be {size} digits (ASCII or BCD)")


def _count(item: tlv.TLV | None, what: str) -> int:
    if item is None or item.tag != 0x02 or len(item.value) != 1:
        raise LDSError(f"{what} must start with a one-byte count (02)")
    return item.value[0]


def _image(value: bytes, what: str) -> DisplayedImage:
    return DisplayedImage(value, sniff_image_type(value, what))


def parse_dg7(data: bytes) -> list[DisplayedImage]:
    """DG7 (tag 67): the displayed signature or usual mark images, JPEG or JPEG 2000."""
    items = _outer(data, 0x67, "DG7")
    count = _count(items[0] if items else None, "DG7")
    images = [_image(item.value, "DG7 signature image") for item in items[1:] if item.tag == 0x5F43]
    if not 1 <= count <= 9 or len(images) != count or len(items) != count + 1:
        raise LDSError("DG7 image count does not match its images (5F43)")
    return images


#: DG12 data objects holding text, by tag.
DG12_TEXT = {0x5F19: "issuing_authority", 0x5F1B: "endorsements_and_observations",
             0x5F1C: "tax_or_exit_requirements", 0x5F56: "personalization_system_serial_number"}
#: DG12 data objects holding an image of the document.
DG12_IMAGES = {0x5F1D: "image_of_front", 0x5F1E: "image_of_rear"}


def parse_dg12(data: bytes) -> dict[str, object]:
    """DG12 (tag 6C, additional document details) into named fields, like `parse_dg11`.

    Text fields are str, ``date_of_issue`` is YYYYMMDD, ``personalization_time`` YYYYMMDDHHMMSS,
    ``other_persons`` a list of names (the MRZ-style name of each other person on the document) and
    the two document images :class:`DisplayedImage`. Tags the file holds but this reader does not
    know are ignored, as for DG11.
    """
    result: dict[str, object] = {}
    for item in _outer(data, 0x6C, "DG12"):
        if item.tag in DG12_TEXT:
            result[DG12_TEXT[item.tag]] = _text(item.value, f"DG12 {DG12_TEXT[item.tag]}")
        elif item.tag in DG12_IMAGES:
            result[DG12_IMAGES[item.tag]] = _image(item.value, f"DG12 {DG12_IMAGES[item.tag]}")
        elif item.tag == 0x5F26:
            result["date_of_issue"] = _digits(item.value, 8, "DG12 date of issue")
        elif item.tag == 0x5F55:
            result["personalization_time"] = _digits(item.value, 14, "DG12 personalization time")
        elif item.tag == 0xA0:
            result["other_persons"] = _other_persons(item)
    return result


def _other_persons(item: tlv.TLV) -> list[str]:
    try:
        parts = item.children()
    except TLVError as exc:
        raise LDSError(f"DG12 other persons: {exc}") from exc
    count = _count(parts[0] if parts else None, "DG12 other persons")
    names = [_text(p.value, "DG12 other person") for p in parts[1:] if p.tag == 0x5F1A]
    if len(names) != count:
        raise LDSError("DG12 other persons count does not match its names (5F1A)")
    return names


@dataclass(frozen=True)
class OptionalDetails:
    """DG13 as the issuer wrote it.

    Doc 9303 leaves DG13's contents to the issuing state ("optional details", no common structure),
    so no field can be named without guessing at one state's private layout. The value is kept
    verbatim for a caller that knows its issuer; ``elements`` are its top-level data objects when it
    happens to be BER-TLV, else None.
    """

    value: bytes = field(repr=False)
    elements: tuple[tlv.TLV, ...] | None


def parse_dg13(data: bytes) -> OptionalDetails:
    """DG13 (tag 6D): the issuer's optional details, verbatim (see `OptionalDetails`)."""
    try:
        outer = tlv.decode(bytes(data), allow_trailing=True)
    except TLVError as exc:
        raise LDSError(f"DG13: {exc}") from exc
    if outer.tag != 0x6D:
        raise LDSError(f"DG13: expected tag 6D, found {outer.tag:X}")
    try:
        elements: tuple[tlv.TLV, ...] | None = tuple(tlv.decode_all(outer.value))
    except TLVError:
        elements = None
    return OptionalDetails(outer.value, elements)


#: Data objects of a DG16 person-to-notify template.
DG16_FIELDS = {0x5F50: "date_recorded", 0x5F51: "name", 0x5F52: "telephone", 0x5F53: "address"}


def parse_dg16(data: bytes) -> list[dict[str, str]]:
    """DG16 (tag 70): the persons to notify, each a dict of ``DG16_FIELDS`` names.

    The templates are tagged A1, A2, ... in order; ``date_recorded`` is YYYYMMDD and the other fields
    are text as written (the name in MRZ style, ``<`` separating parts of the address).
    """
    items = _outer(data, 0x70, "DG16")
    count = _count(items[0] if items else None, "DG16")
    templates = items[1:]
    if not 1 <= count <= 15 or len(templates) != count or \
            [t.tag for t in templates] != [0xA0 + n for n in range(1, count + 1)]:
        raise LDSError("DG16 must hold its count of templates tagged A1, A2, ... in order")
    persons = []
    for template in templates:
        try:
            parts = template.children()
        except TLVError as exc:
            raise LDSError(f"DG16 template: {exc}") from exc
        person: dict[str, str] = {}
        for part in parts:
            name = DG16_FIELDS.get(part.tag)
            if name == "date_recorded":
                person[name] = _digits(part.value, 8, "DG16 date recorded")
            elif name is not None:
                person[name] = _text(part.value, f"DG16 {name}")
        persons.append(person)
    return persons
