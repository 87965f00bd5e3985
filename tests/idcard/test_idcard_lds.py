"""LDS files: EF.COM, DG1, DG2 (JPEG / JPEG 2000), DG11, DG14, DG15, SOD."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from idcard import tlv
from idcard.errors import LDSError, SODError, TLVError
from idcard.icao.lds import (
    aa_hash_name,
    parse_com,
    parse_dg1,
    parse_dg2,
    parse_dg11,
    parse_dg14,
    parse_dg15,
    parse_face_record,
)
from idcard.icao.sod import parse_sod
from idcard.softcard import build_document
from idcard.softcard.personalize import encode_dg2

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app


def test_tlv_roundtrip_and_long_lengths():
    for size in (0, 1, 127, 128, 255, 256, 65535, 65536):
        encoded = tlv.encode(0x5F2E, b"\xAB" * size)
        assert tlv.total_length(encoded[:6]) == len(encoded)
        assert tlv.decode(encoded) == tlv.TLV(0x5F2E, b"\xAB" * size)


@pytest.mark.parametrize("data, reason", [
    (b"\x61\x05\x01\x02", "declares 5 bytes"), (b"\x61", "no length"),
    (b"\x61\x80\x00\x00", "indefinite"), (b"\x61\x85" + b"\x00" * 5, "length"),
    (b"\x5F", "tag continues"), (b"\x1F\x81\x82\x83\x01\x00", "tag longer"),
    (b"\x00\x00", "invalid tag"), (b"\x61\x00\x00", "trailing")])
def test_tlv_errors(data, reason):
    with pytest.raises(TLVError, match=reason):
        tlv.decode(data)


def test_oid_roundtrip():
    for oid in ("2.23.136.1.1.5", "0.4.0.127.0.7.1.1.4.1.3", "1.2.840.113549"):
        encoded = tlv.encode_oid(oid)
        assert tlv.decode_oid(tlv.decode(encoded).value) == oid


def test_parse_files_of_a_document(doc_ec):
    com = parse_com(doc_ec.files[0x011E])
    assert (com.lds_version, com.unicode_version) == ("0107", "040000")
    assert com.data_groups == (1, 2, 11, 14, 15)
    assert parse_dg1(doc_ec.data_group(1)).document_number == "L898902C3"
    face = parse_dg2(doc_ec.data_group(2))[0]
    assert face.mime_type == "image/jpeg"
    assert (face.width, face.height) == (120, 160)
    assert face.to_pillow().size == (120, 160)
    infos = parse_dg14(doc_ec.data_group(14))
    assert infos[0].protocol == "2.23.136.1.1.5"
    assert aa_hash_name(doc_ec.data_group(14)) == "sha256"
    assert parse_dg15(doc_ec.data_group(15)).public_numbers() == \
        doc_ec.aa_key.public_key().public_numbers()
    sod = parse_sod(doc_ec.files[0x011D])
    assert sorted(sod.hashes) == [1, 2, 11, 14, 15]
    assert sod.hash_algorithm == "sha256"


def test_dg11_fields(pkis, face_jpeg):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face_jpeg, aa=None,
                         dg11={0x5F2B: "19740812", 0x5F11: "ZÜRICH",
                               0x5F10: "123-45"})
    fields = parse_dg11(doc.data_group(11))
    assert fields == {"full_name": "ERIKSSON<<ANNA<MARIA",
                      "full_date_of_birth": "19740812",
                      "place_of_birth": "ZÜRICH", "personal_number": "123-45"}


def test_jpeg2000_face_image():
    image = Image.new("RGB", (64, 80), (120, 90, 60))
    out = io.BytesIO()
    image.save(out, "JPEG2000")
    dg2 = encode_dg2(out.getvalue(), 64, 80)
    face = parse_dg2(dg2)[0]
    assert face.mime_type == "image/jp2"
    assert face.to_pillow().size == (64, 80)


def test_declared_type_must_match_image(face_jpeg):
    dg2 = bytearray(encode_dg2(face_jpeg, 1, 1))
    # Image information: data type byte right before width (offset known
    # from the end of the 12-byte block preceding the image data).
    at = bytes(dg2).index(face_jpeg) - 11
    dg2[at] = 1  # claim JPEG 2000
    with pytest.raises(LDSError, match="declared type"):
        parse_dg2(bytes(dg2))


def test_undecodable_image_raises_lds_error():
    dg2 = encode_dg2(b"\xff\xd8\xff\xe0" + b"\x00" * 40, 1, 1)
    with pytest.raises(LDSError, match="cannot be decoded"):
        parse_dg2(dg2)[0].to_pillow()


@pytest.mark.parametrize("parser, data, reason", [
    (parse_com, b"\x61\x00", "expected tag 60"),
    (parse_com, tlv.encode(0x60, tlv.encode(0x5C, b"\x99")), "unknown"),
    (parse_com, tlv.encode(0x60, b""), "tag list"),
    (parse_dg1, tlv.encode(0x61, b""), "exactly one"),
    (parse_dg2, tlv.encode(0x75, tlv.encode(0x7F61, b"")), "instance count"),
    (parse_dg2, tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(2, b"\x02"))),
     "does not match"),
    (parse_dg11, tlv.encode(0x6B, tlv.encode(0x5F0E, b"\xff")), "UTF-8"),
    (parse_dg14, tlv.encode(0x6E, tlv.encode(0x30, b"")), "SET OF"),
    (parse_dg15, tlv.encode(0x6F, b"\x30\x00"), "cannot be loaded"),
])
def test_malformed_lds_files(parser, data, reason):
    with pytest.raises(LDSError, match=reason):
        parser(data)


def test_face_record_length_checks(face_jpeg):
    dg2 = encode_dg2(face_jpeg, 1, 1)
    record = tlv.decode(dg2).children()[0].children()[1].children()[1].value
    truncated = record[:-5]
    with pytest.raises(LDSError, match="length"):
        parse_face_record(truncated)


@pytest.mark.parametrize("data, reason", [
    (b"\x30\x00", "tag 77"), (tlv.encode(0x77, b"\x30\x03\x02\x01\x00"),
                              "CMS"),
    (b"", "EF.SOD")])
def test_malformed_sod(data, reason):
    with pytest.raises(SODError, match=reason):
        parse_sod(data)
