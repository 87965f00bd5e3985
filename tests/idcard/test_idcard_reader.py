"""Reading the software card in-process through the real reader code."""

from __future__ import annotations

import pytest

from idcard.errors import AccessDeniedError, CardError, SecureMessagingError
from idcard.icao.apdu import CommandAPDU
from idcard.icao.lds import FID_COM, parse_com, parse_dg1, parse_dg2, parse_dg11
from idcard.icao.reader import MAX_READ, ChipReader
from idcard.softcard import SoftwareCardTransport, build_document
from idcard.softcard.card import SoftwareCard

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app


class Spy:
    """Transport that records every command and response."""

    simulated = True

    def __init__(self, card, tamper=None):
        self.card, self.tamper, self.log = card, tamper, []

    def transceive(self, apdu):
        response = self.card.process(apdu)
        if self.tamper:
            response = self.tamper(len(self.log), apdu, response)
        self.log.append((apdu, response))
        return response


def test_full_read_returns_every_listed_file(doc_ec):
    spy = Spy(doc_ec.card())
    result = ChipReader(spy).read(doc_ec.mrz_information,
                                 aa_challenge=b"\x01" * 8)
    assert result.simulated is True
    assert set(result.files) == {"COM", "DG1", "DG2", "DG11", "DG14", "DG15",
                                 "SOD"}
    for fid, content in doc_ec.files.items():
        name = {0x011E: "COM", 0x011D: "SOD"}.get(fid, f"DG{fid - 0x100}")
        assert result.files[name] == content
    assert parse_com(result.files["COM"]).data_groups == (1, 2, 11, 14, 15)
    assert parse_dg1(result.files["DG1"]) == doc_ec.mrz == result.mrz
    assert result.face_images[0].data == doc_ec.face_jpeg
    assert parse_dg2(result.files["DG2"])[0].data == doc_ec.face_jpeg
    assert parse_dg11(result.files["DG11"])["full_name"] == \
        "ERIKSSON<<ANNA<MARIA"
    assert len(result.aa_response) == 64  # P-256 r || s
    assert result.apdu_count == len(spy.log)


def test_every_apdu_is_short_and_reads_are_chunked(doc_ec):
    spy = Spy(doc_ec.card())
    ChipReader(spy).read(doc_ec.mrz_information)
    reads = 0
    for apdu, response in spy.log:
        assert len(apdu) <= 5 + 255 + 1 and len(response) <= 256 + 2
        if apdu[:2] == b"\x0c\xb0":
            reads += 1
            # DO'97' carries Le: never more than 0xDF plain bytes per read.
            le_do = apdu[5:8]
            assert le_do[:2] == b"\x97\x01" and 1 <= le_do[2] <= MAX_READ
        # After BAC nothing travels in plain text (the log opens with the
        # EF.CardAccess probe, SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE).
    assert spy.log[0][0] == bytes.fromhex("00A4020C02011C")
    assert all(a[0] == 0x0C for a, _ in spy.log[4:])
    assert reads >= len(doc_ec.data_group(2)) // MAX_READ


def test_wrong_mrz_fails_bac(doc_ec):
    wrong = doc_ec.mrz_information[:-1] + "0"
    wrong = wrong[:10] + "750101" + wrong[16:]
    with pytest.raises(AccessDeniedError, match="BAC rejected"):
        ChipReader(SoftwareCardTransport(doc_ec.card())).read(wrong)


def test_tampered_response_mac_stops_the_read(doc_ec):
    def flip_after_bac(index, apdu, response):
        if index == 6 and len(response) > 12:
            return response[:-3] + bytes([response[-3] ^ 1]) + response[-2:]
        return response

    reader = ChipReader(Spy(doc_ec.card(), flip_after_bac))
    with pytest.raises(SecureMessagingError, match="MAC"):
        reader.read(doc_ec.mrz_information)


def test_card_aborts_session_on_bad_command_mac(doc_ec):
    card = doc_ec.card()
    reader = ChipReader(SoftwareCardTransport(card))
    reader.open(doc_ec.mrz_information)
    protected = bytearray(reader.sm.protect(CommandAPDU(
        0, 0xA4, 2, 0x0C, FID_COM.to_bytes(2, "big")).encode()))
    protected[-3] ^= 0x01  # inside DO'8E'
    assert card.process(bytes(protected)) == b"\x69\x88"
    assert card.sm is None
    # An unprotected read after the abort is refused too.
    assert card.process(bytes.fromhex("00B0000004"))[-2:] == b"\x69\x82"


def test_files_are_unreadable_without_bac(doc_ec):
    card = doc_ec.card()
    assert card.process(bytes.fromhex("00A4040C07A0000002471001")) == \
        b"\x90\x00"
    assert card.process(bytes.fromhex("00A4020C02011E")) == b"\x69\x82"
    assert card.process(bytes.fromhex("0CB0000004")) == b"\x69\x85"


def test_missing_file_is_reported_with_status(doc_ec):
    reader = ChipReader(SoftwareCardTransport(doc_ec.card()))
    reader.open(doc_ec.mrz_information)
    with pytest.raises(CardError, match="6A82") as info:
        reader.read_file(0x0103)  # DG3 (fingerprints) is not on the chip
    assert info.value.sw == 0x6A82


def test_large_file_uses_odd_ins_read_binary(pkis, face_jpeg):
    # 40 KB face: offsets beyond 32767 need READ BINARY with INS B1.
    big = face_jpeg + b"\x00" * (40_000 - len(face_jpeg))
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=big, aa=None)
    spy = Spy(doc.card())
    result = ChipReader(spy).read(doc.mrz_information, data_groups=(1, 2))
    assert result.files["DG2"] == doc.data_group(2)
    assert any(apdu[1] == 0xB1 for apdu, _ in spy.log)


def test_sfi_read_binary_and_end_of_file_on_card(doc_ec):
    card = doc_ec.card()
    reader = ChipReader(SoftwareCardTransport(card))
    reader.open(doc_ec.mrz_information)
    data, sw = reader._protected(CommandAPDU(0, 0xB0, 0x80 | 0x1E, 0,
                                             le=200))
    assert data == doc_ec.files[FID_COM] and sw == 0x6282


def test_small_max_read_still_reads_everything(doc_no_aa):
    spy = Spy(doc_no_aa.card())
    result = ChipReader(spy, max_read=16).read(doc_no_aa.mrz_information,
                                               aa_challenge=b"12345678")
    assert result.files["SOD"] == doc_no_aa.files[0x011D]
    assert result.aa_response is None
    assert "no DG15" in result.notes[0]


def test_software_card_counts_its_own_cpu_time(doc_ec):
    card = SoftwareCard(doc_ec.files, doc_ec.mrz_information)
    ChipReader(SoftwareCardTransport(card)).read(doc_ec.mrz_information)
    assert card.cpu_time > 0 and card.apdu_count > 20
