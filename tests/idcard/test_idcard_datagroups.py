"""DG2 in the ISO/IEC 39794-5 encoding, and DG7, DG12, DG13, DG16 (Doc 9303 Part 10)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from idcard import tlv
from idcard.errors import LDSError
from idcard.icao.datagroups import DisplayedImage, parse_dg7, parse_dg12, parse_dg13, parse_dg16
from idcard.icao.face39794 import parse_face_image_data_block
from idcard.icao.lds import parse_dg2
from idcard.icao.trust import TrustStore
from idcard.softcard import build_document
from idcard.softcard.groups import (
    encode_dg2_39794,
    encode_dg7,
    encode_dg12,
    encode_dg13,
    encode_dg16,
    face_image_data_block,
)
from idcard.softcard.pki import sign_sod
from idcard.verification import VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app


@pytest.fixture(scope="module")
def jp2() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 64), (120, 90, 60)).save(out, "JPEG2000")
    return out.getvalue()


def test_a_39794_dg2_gives_its_face_image(face_jpeg):
    face = parse_dg2(encode_dg2_39794([(face_jpeg, 120, 160)]))
    assert len(face) == 1 and face[0].data == face_jpeg and face[0].mime_type == "image/jpeg"
    assert (face[0].width, face[0].height) == (120, 160)
    assert face[0].to_pillow().size == (120, 160)


def test_39794_jpeg2000_without_size_and_several_representations(face_jpeg, jp2):
    faces = parse_dg2(encode_dg2_39794([(jp2, None, None), (face_jpeg, 120, 160)]))
    assert [f.mime_type for f in faces] == ["image/jp2", "image/jpeg"]
    assert (faces[0].width, faces[0].height) == (0, 0)  # imageSizeBlock is optional
    assert faces[0].to_pillow().size == (48, 64)


def test_39794_data_block_wrapped_in_one_more_layer(face_jpeg):
    assert parse_dg2(encode_dg2_39794([(face_jpeg, 1, 1)], wrap=True))[0].data == face_jpeg


def test_the_old_19794_encoding_still_parses(doc_ec):
    assert parse_dg2(doc_ec.data_group(2))[0].mime_type == "image/jpeg"


def _without(block: bytes, tag: int, inside: tuple[int, ...]) -> bytes:
    """Rebuild a TLV tree with the first ``tag`` found under the path ``inside`` removed."""
    obj = tlv.decode(block)
    if not inside:
        kept = [c for c in obj.children() if c.tag != tag]
        return tlv.encode(obj.tag, b"".join(c.encode() for c in kept))
    parts = []
    for child in obj.children():
        parts.append(_without(child.encode(), tag, inside[1:]) if child.tag == inside[0] else child.encode())
    return tlv.encode(obj.tag, b"".join(parts))


REPRESENTATION_2D = (0xA1, 0x30, 0xA1, 0xA0, 0xA0)


@pytest.mark.parametrize("change, reason", [
    (lambda b: _without(b, 0x80, REPRESENTATION_2D), "representationData2D is missing"),
    (lambda b: _without(b, 0xA0, ()), "versionBlock is missing"),
    (lambda b: tlv.encode(0x66, tlv.decode(b).value), "must be a FaceImageDataBlock"),
    (lambda b: b[:-3], "39794-5 data block"),
])
def test_malformed_39794_blocks_are_refused(face_jpeg, change, reason):
    block = face_image_data_block([(face_jpeg, 120, 160)])
    with pytest.raises(LDSError, match=reason):
        parse_face_image_data_block(change(block))


@pytest.mark.parametrize("code, reason", [(3, "does not match its declared type"),
                                          (7, "neither JPEG nor JPEG 2000")])
def test_the_declared_image_format_is_checked(face_jpeg, code, reason):
    block = face_image_data_block([(face_jpeg, 120, 160)], format_code=code)
    with pytest.raises(LDSError, match=reason):
        parse_face_image_data_block(block)


def test_a_39794_face_is_proven_by_passive_authentication(pkis, face_jpeg):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face_jpeg, aa=None)
    dg2 = encode_dg2_39794([(face_jpeg, 120, 160)])
    groups = {1: doc.data_group(1), 2: dg2, 11: doc.data_group(11)}
    files = {"DG1": groups[1], "DG2": dg2, "DG11": groups[11], "SOD": sign_sod(groups, doc.pki)}
    result = VerificationService(TrustStore([doc.csca_certificate])).verify_emrtd(files)
    assert result.ok, result.to_dict()
    assert result.face_image == face_jpeg and result.face_mime_type == "image/jpeg" and result.face_proven


def test_dg7_signature_images(face_jpeg, jp2):
    images = parse_dg7(encode_dg7([face_jpeg, jp2]))
    assert images == [DisplayedImage(face_jpeg, "image/jpeg"), DisplayedImage(jp2, "image/jp2")]
    with pytest.raises(LDSError, match="count does not match"):
        parse_dg7(tlv.encode(0x67, tlv.encode(0x02, b"\x02") + tlv.encode(0x5F43, face_jpeg)))
    with pytest.raises(LDSError, match="neither JPEG nor JPEG 2000"):
        parse_dg7(encode_dg7([b"GIF89a..."]))


def test_dg12_document_details(face_jpeg):
    dg12 = encode_dg12({0x5F19: "MINISTÈRE DE L'INTÉRIEUR", 0x5F26: "20240115",
                        0x5F1B: "VALID FOR ALL COUNTRIES", 0x5F1C: "NONE", 0x5F1D: face_jpeg,
                        0x5F55: bytes.fromhex("20240110093015"), 0x5F56: "PERSO-0042"},
                       other_persons=["DOE<<JANE", "DOE<<JOHN"])
    assert parse_dg12(dg12) == {
        "issuing_authority": "MINISTÈRE DE L'INTÉRIEUR", "date_of_issue": "20240115",
        "endorsements_and_observations": "VALID FOR ALL COUNTRIES", "tax_or_exit_requirements": "NONE",
        "image_of_front": DisplayedImage(face_jpeg, "image/jpeg"),
        "personalization_time": "20240110093015",  # written as 7 BCD bytes
        "personalization_system_serial_number": "PERSO-0042", "other_persons": ["DOE<<JANE", "DOE<<JOHN"]}


@pytest.mark.parametrize("fields, reason", [
    ({0x5F26: "2024-01-15"}, "date of issue must be 8 digits"),
    ({0x5F19: b"\xff\xfe"}, "not UTF-8"),
    ({0x5F1E: b"not an image"}, "image_of_rear is neither"),
])
def test_malformed_dg12_fields(fields, reason):
    with pytest.raises(LDSError, match=reason):
        parse_dg12(encode_dg12(fields))


def test_dg13_is_kept_verbatim():
    """DG13's layout is the issuer's own: its bytes come back unchanged, split into data objects
    only when they happen to be BER-TLV."""
    structured = tlv.encode(0xC1, b"ABC") + tlv.encode(0xC2, b"\x01")
    details = parse_dg13(encode_dg13(structured))
    assert details.value == structured and [e.tag for e in details.elements] == [0xC1, 0xC2]
    opaque = parse_dg13(encode_dg13(b"\x00\x01 free text"))
    assert opaque.value == b"\x00\x01 free text" and opaque.elements is None
    with pytest.raises(LDSError, match="expected tag 6D"):
        parse_dg13(encode_dg16([]))


def test_dg16_persons_to_notify():
    dg16 = encode_dg16([{0x5F50: "20230301", 0x5F51: "DOE<<JANE", 0x5F52: "+41 44 000 00 00",
                         0x5F53: "BAHNHOFSTRASSE 1<8001 ZÜRICH<CHE"},
                        {0x5F50: bytes.fromhex("20230302"), 0x5F51: "ROE<<RICHARD"}])
    assert parse_dg16(dg16) == [
        {"date_recorded": "20230301", "name": "DOE<<JANE", "telephone": "+41 44 000 00 00",
         "address": "BAHNHOFSTRASSE 1<8001 ZÜRICH<CHE"},
        {"date_recorded": "20230302", "name": "ROE<<RICHARD"}]
    misnumbered = tlv.encode(0x70, tlv.encode(0x02, b"\x01") + tlv.encode(0xA2, tlv.encode(0x5F51, b"X")))
    with pytest.raises(LDSError, match="tagged A1, A2"):
        parse_dg16(misnumbered)
