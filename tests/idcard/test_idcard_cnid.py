"""Chinese resident ID card records from SAM readers."""

from __future__ import annotations

import datetime as dt

import pytest

from idcard.cnid import build_resident_record, id_check_digit, parse_resident_record, validate_id_number
from idcard.errors import ResidentIdError
from idcard.icao.trust import TrustStore
from idcard.verification import VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app

FIELDS = dict(name="李小梅", sex_code="2", ethnicity_code="01",
              birth_date="19491231", address="北京市东城区景山前街4号",
              id_number="11010519491231002X", issuing_authority="北京市公安局东城分局",
              valid_from="20150101", valid_until="20350101")
WLT = bytes(range(256)) * 4


def record(**changes):
    return build_resident_record(**{**FIELDS, **changes})


@pytest.mark.parametrize("first17, digit", [
    ("11010519491231002", "X"), ("44052418800101001", "4"),
    ("11010120000101123", "2")])  # 65 mod 11 = 10 -> "2"
def test_gb11643_check_digit(first17, digit):
    assert id_check_digit(first17) == digit
    validate_id_number(first17 + digit)


def test_wrong_check_digit_is_rejected():
    with pytest.raises(ResidentIdError, match="check digit"):
        validate_id_number("110105194912310021")


def test_parse_record_and_keep_wlt_as_is():
    raw = record()
    assert len(raw) == 256
    rec = parse_resident_record(raw, WLT)
    assert rec.name == "李小梅" and rec.sex == "女" and rec.ethnicity == "汉"
    assert rec.birth_date == dt.date(1949, 12, 31)
    assert rec.address == "北京市东城区景山前街4号"
    assert rec.issuing_authority == "北京市公安局东城分局"
    assert rec.valid_until == dt.date(2035, 1, 1) and not rec.long_term
    assert rec.wlt_photo == WLT


def test_long_term_validity():
    rec = parse_resident_record(record(valid_until="长期"))
    assert rec.long_term and rec.valid_until is None
    assert not rec.expired(dt.date(2099, 1, 1))


@pytest.mark.parametrize("changes, reason", [
    (dict(birth_date="19500101"), "birth date does not match"),
    (dict(sex_code="1"), "sex does not match"),
    (dict(id_number="11010519491231002Y"), "check digit"),
    (dict(ethnicity_code="77"), "ethnicity"),
    (dict(sex_code="5"), "sex code"),
    (dict(valid_until="20140101"), "ends before"),
    (dict(valid_from="2015013X"), "validity start"),
    (dict(name=""), "name is empty"),
])
def test_inconsistent_records(changes, reason):
    with pytest.raises(ResidentIdError, match=reason):
        parse_resident_record(record(**changes))


@pytest.mark.parametrize("raw, wlt, reason", [
    (b"\x00" * 255, None, "256 bytes"), (b"\x00" * 257, None, "256 bytes"),
    (None, b"x" * 1025, "WLT"), (None, b"", "WLT"),
    (b"\x00\xd8" * 128, None, "UCS-2"),
])
def test_malformed_input(raw, wlt, reason):
    with pytest.raises(ResidentIdError, match=reason):
        parse_resident_record(record() if raw is None else raw, wlt)


def test_service_reports_data_proven_but_face_not():
    service = VerificationService(TrustStore())
    result = service.verify_resident_id(record(), WLT)
    assert result.ok
    assert result.checks["face_binding"].status == "skipped"
    assert "not the face" in result.checks["face_binding"].reason
    assert result.face_proven is False
    assert result.identity.document_number == "11010519491231002X"
    assert result.face_image == WLT


def test_service_expired_and_malformed_cards():
    later = dt.datetime(2036, 1, 1, tzinfo=dt.UTC)
    service = VerificationService(TrustStore(), now=lambda: later)
    expired = service.verify_resident_id(record())
    assert expired.failed() == ["document_expiry"]
    bad = service.verify_resident_id(b"\x20\x00" * 128)
    assert bad.failed() == ["record_format"] and not bad.ok
