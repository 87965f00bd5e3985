"""ISO/IEC 39794-5 facial images in DG2 (Doc 9303 Part 10, LDS 1.8 with the extensible encoding).

Since 2020 Doc 9303 lets issuers encode DG2 with ISO/IEC 39794-5 instead of the binary
ISO/IEC 19794-5:2005 record. The biometric data block is then the constructed object 7F2E holding
the DER encoding of ``FaceImageDataBlock`` (an ASN.1 module with IMPLICIT TAGS), reached as::

    65 FaceImageDataBlock                  [APPLICATION 5]
       A0 versionBlock                     [0] { 80 generation, 81 year }
       A1 representationBlocks             [1] SEQUENCE OF
          30 RepresentationBlock
             80 representationId           [0]
             A1 imageRepresentation        [1] CHOICE, so explicit
                A0 base                    [0] CHOICE, so explicit
                   A0 imageRepresentation2DBlock
                      80 representationData2D     the JPEG / JPEG 2000 bytes
                      A1 imageInformation2DBlock
                         A0 imageDataFormat       CHOICE { 80 code: jpeg 2, jpeg2000 3 / 4 }
                         A7 imageSizeBlock        { 80 width, 81 height }

Only what is needed to show and bind the face is read; every other block is skipped, as the
extension markers (``...``) of the module require of a reader. Some encoders wrap the data block
in one more [1] (A1) layer; that wrapping is accepted too.

This software makes use of the Schema from ISO/IEC 39794-5 within modifications permitted in the
relevant ISO/IEC standard (the tag structure above, read from the ICAO 39794-5 application profile).
"""

from __future__ import annotations

from .. import tlv
from ..errors import LDSError, TLVError
from .lds import FaceImage, sniff_image_type

TAG_FACE_IMAGE_DATA_BLOCK = 0x65
#: ImageDataFormatCode of ISO/IEC 39794-5 and the media type each one means.
IMAGE_DATA_FORMATS = {2: "image/jpeg", 3: "image/jp2", 4: "image/jp2"}


def _kids(obj: tlv.TLV, what: str) -> list[tlv.TLV]:
    if not obj.constructed:
        raise LDSError(f"ISO 39794-5 {what} must be constructed")
    try:
        return obj.children()
    except TLVError as exc:
        raise LDSError(f"ISO 39794-5 {what}: {exc}") from exc


def _one(items: list[tlv.TLV], tag: int, what: str, required: bool = True) -> tlv.TLV | None:
    found = [item for item in items if item.tag == tag]
    if len(found) > 1:
        raise LDSError(f"ISO 39794-5 {what} appears more than once")
    if not found and required:
        raise LDSError(f"ISO 39794-5 {what} is missing")
    return found[0] if found else None


def _unsigned(obj: tlv.TLV | None, what: str) -> int | None:
    if obj is None:
        return None
    if not obj.value or len(obj.value) > 8 or obj.value[0] & 0x80:
        raise LDSError(f"ISO 39794-5 {what} is not a small non-negative INTEGER")
    return int.from_bytes(obj.value, "big")


def parse_face_image_data_block(value: bytes) -> list[FaceImage]:
    """The facial images of a 39794-5 biometric data block (the value of DG2's 7F2E)."""
    try:
        outer = tlv.decode(value)
    except TLVError as exc:
        raise LDSError(f"ISO 39794-5 data block: {exc}") from exc
    if outer.tag == 0xA1:  # one extra [1] layer written by some encoders
        inner = _kids(outer, "data block wrapper")
        if len(inner) != 1:
            raise LDSError("ISO 39794-5 data block wrapper must hold one FaceImageDataBlock")
        outer = inner[0]
    if outer.tag != TAG_FACE_IMAGE_DATA_BLOCK:
        raise LDSError(f"ISO 39794-5 data block must be a FaceImageDataBlock (65), found {outer.tag:X}")
    fields = _kids(outer, "FaceImageDataBlock")
    _one(fields, 0xA0, "versionBlock")
    blocks = _kids(_one(fields, 0xA1, "representationBlocks"), "representationBlocks")
    if not blocks:
        raise LDSError("ISO 39794-5 FaceImageDataBlock holds no representation")
    return [_representation(block) for block in blocks]


def _representation(block: tlv.TLV) -> FaceImage:
    if block.tag != 0x30:
        raise LDSError("ISO 39794-5 RepresentationBlock must be a SEQUENCE")
    fields = _kids(block, "RepresentationBlock")
    _unsigned(_one(fields, 0x80, "representationId"), "representationId")
    choice = _kids(_one(fields, 0xA1, "imageRepresentation"), "imageRepresentation")
    if len(choice) != 1 or choice[0].tag != 0xA0:
        raise LDSError("ISO 39794-5 imageRepresentation is not a base (2D) representation")
    base = _kids(choice[0], "ImageRepresentationBase")
    if len(base) != 1 or base[0].tag != 0xA0:
        raise LDSError("ISO 39794-5 representation is not an imageRepresentation2DBlock")
    two_d = _kids(base[0], "imageRepresentation2DBlock")
    data = _one(two_d, 0x80, "representationData2D").value
    information = _kids(_one(two_d, 0xA1, "imageInformation2DBlock"), "imageInformation2DBlock")
    declared = _format(_one(information, 0xA0, "imageDataFormat"))
    width = height = 0  # imageSizeBlock is optional: 0 says the size is not given
    size = _one(information, 0xA7, "imageSizeBlock", required=False)
    if size is not None:
        items = _kids(size, "imageSizeBlock")
        width = _unsigned(_one(items, 0x80, "image width"), "image width")
        height = _unsigned(_one(items, 0x81, "image height"), "image height")
    mime = sniff_image_type(data)
    if declared is not None and declared != mime:
        raise LDSError("facial image data does not match its declared type")
    return FaceImage(data, mime, width, height)


def _format(obj: tlv.TLV) -> str | None:
    """Media type named by imageDataFormat, or None for an extension block this reader cannot know."""
    choice = _kids(obj, "imageDataFormat")
    if len(choice) != 1:
        raise LDSError("ISO 39794-5 imageDataFormat must hold one choice")
    if choice[0].tag != 0x80:
        return None
    code = _unsigned(choice[0], "imageDataFormat code")
    if code not in IMAGE_DATA_FORMATS:
        raise LDSError(f"ISO 39794-5 image data format {code} is neither JPEG nor JPEG 2000")
    return IMAGE_DATA_FORMATS[code]
