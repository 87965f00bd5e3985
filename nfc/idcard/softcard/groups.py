"""Builders for data groups the software card does not personalize by default.

DG2 in the ISO/IEC 39794-5 encoding, DG7, DG12, DG13 and DG16, written as Doc 9303 Part 10
lays them out, so the parsers in :mod:`idcard.icao.face39794` and :mod:`idcard.icao.datagroups`
are tested against independently built bytes.
"""

from __future__ import annotations

from .. import tlv

#: CBEFF format owner (ISO/IEC JTC 1/SC 37) and format type of g3-binary-face-image (39794-5).
FORMAT_OWNER_SC37 = 0x0101
FORMAT_TYPE_39794_FACE = 0x002A
#: ImageDataFormatCode values of ISO/IEC 39794-5.
JPEG, JPEG2000_LOSSY = 2, 3


def _integer(tag: int, value: int) -> bytes:
    """A DER INTEGER (non-negative) under an implicit context tag."""
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return tlv.encode(tag, body)


def face_image_data_block(images: list[tuple[bytes, int | None, int | None]], *,
                          format_code: int | None = None) -> bytes:
    """The DER FaceImageDataBlock ([APPLICATION 5]) for (image, width, height) triples.

    A width of None leaves the optional imageSizeBlock out; ``format_code`` overrides the
    imageDataFormat code that matches each image.
    """
    blocks = []
    for number, (image, width, height) in enumerate(images):
        code = format_code or (JPEG if image.startswith(b"\xff\xd8") else JPEG2000_LOSSY)
        information = tlv.encode(0xA0, _integer(0x80, code))  # imageDataFormat: CHOICE, explicit
        information += tlv.encode(0xA1, tlv.encode(0xA1, _integer(0x80, 0)))  # faceImageKind2D: mrtd (fallback)
        if width is not None:
            information += tlv.encode(0xA7, _integer(0x80, width) + _integer(0x81, height))
        two_d = tlv.encode(0xA0, tlv.encode(0x80, image) + tlv.encode(0xA1, information))
        representation = tlv.encode(0xA1, tlv.encode(0xA0, two_d))  # imageRepresentation / base
        blocks.append(tlv.encode(0x30, _integer(0x80, number) + representation))
    version = tlv.encode(0xA0, _integer(0x80, 3) + _integer(0x81, 2019))
    return tlv.encode(0x65, version + tlv.encode(0xA1, b"".join(blocks)))


def encode_dg2_39794(images: list[tuple[bytes, int | None, int | None]], *, wrap: bool = False) -> bytes:
    """DG2 holding one 39794-5 biometric information template (7F2E data block).

    ``wrap`` adds the extra [1] layer around the FaceImageDataBlock that some encoders write.
    """
    block = face_image_data_block(images)
    if wrap:
        block = tlv.encode(0xA1, block)
    header = tlv.encode(0xA1, tlv.encode(0x80, b"\x01\x01") + tlv.encode(0x81, b"\x02") +
                        tlv.encode(0x87, FORMAT_OWNER_SC37.to_bytes(2, "big")) +
                        tlv.encode(0x88, FORMAT_TYPE_39794_FACE.to_bytes(2, "big")))
    template = tlv.encode(0x7F60, header + tlv.encode(0x7F2E, block))
    return tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + template))


def encode_dg7(images: list[bytes]) -> bytes:
    """DG7: the displayed signature images (5F43) after their count."""
    return tlv.encode(0x67, tlv.encode(0x02, bytes([len(images)])) +
                      b"".join(tlv.encode(0x5F43, image) for image in images))


def encode_dg12(fields: dict[int, bytes | str], other_persons: list[str] = ()) -> bytes:
    """DG12 from data objects by tag, with the tag list (5C) and the other persons (A0) if any."""
    body = b"".join(tlv.encode(tag, value.encode("utf-8") if isinstance(value, str) else value)
                    for tag, value in fields.items())
    tags = list(fields)
    if other_persons:
        body += tlv.encode(0xA0, tlv.encode(0x02, bytes([len(other_persons)])) +
                           b"".join(tlv.encode(0x5F1A, n.encode("utf-8")) for n in other_persons))
        tags.append(0x5F1A)
    tag_list = b"".join(tag.to_bytes(2, "big") for tag in tags)
    return tlv.encode(0x6C, tlv.encode(0x5C, tag_list) + body)


def encode_dg13(value: bytes) -> bytes:
    """DG13 around issuer-defined bytes."""
    return tlv.encode(0x6D, value)


def encode_dg16(persons: list[dict[int, bytes | str]]) -> bytes:
    """DG16: the count, then one template A1, A2, ... per person (data objects by tag)."""
    templates = b"".join(
        tlv.encode(0xA1 + number, b"".join(
            tlv.encode(tag, value.encode("utf-8") if isinstance(value, str) else value)
            for tag, value in person.items()))
        for number, person in enumerate(persons))
    return tlv.encode(0x70, tlv.encode(0x02, bytes([len(persons)])) + templates)
