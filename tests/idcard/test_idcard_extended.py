"""Extended-length APDUs, response chaining and honest short-APDU limits in
reads of software chips; the encodings alone are tested in
test_idcard_extended_encoding.py."""

from __future__ import annotations

import nfc.tag.tt4
import pytest

from idcard.errors import SecureMessagingError
from idcard.icao.apdu import CommandAPDU, is_extended
from idcard.icao.lds import LDS_AID
from idcard.icao.reader import DEFAULT_EXTENDED_RESPONSE, MAX_EXTENDED_READ, MAX_READ, ChipReader
from idcard.icao.sm import max_plain_response
from idcard.icao.trust import TrustStore
from idcard.softcard import build_document, demo_face_jpeg, generate_pki
from idcard.softcard.card import SoftwareCard
from idcard.softcard.link import EXTENDED_BUFFER
from idcard.softcard.udp import UdpCardEmulator
from idcard.transport import NfcpyTransport
from idcard.verification import VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app

H = bytes.fromhex
CHALLENGE = b"\x11\x22\x33\x44\x55\x66\x77\x88"
DG2_FID = 0x0102


class Link:
    """Transport that records every exchange and states its capabilities."""

    simulated = True

    def __init__(self, card, *, extended_length=True, historical_bytes=None):
        self.card, self.log = card, []
        if extended_length is not None:
            self.extended_length = extended_length
        self.historical_bytes = historical_bytes

    def transceive(self, apdu):
        response = self.card.process(apdu)
        self.log.append((apdu, response))
        return response

    def count(self, predicate):
        return sum(1 for apdu, _ in self.log if predicate(apdu))


def _selects_atr_info(apdu):
    return apdu[:2] == b"\x00\xa4" and apdu.endswith(b"\x2f\x01")


def _is_get_challenge(apdu):
    return apdu[:2] == b"\x00\x84"


@pytest.fixture(scope="module")
def pki():
    return generate_pki(signature="ecdsa")


@pytest.fixture(scope="module")
def big_face():
    """A face large enough (about 12 KB) that read chunking matters."""
    return demo_face_jpeg((320, 400), target_bytes=12_000)


@pytest.fixture(scope="module")
def doc_short(pki, big_face):
    """Short-only chip, RSA-1024 AA (its protected answer fits 256 bytes)."""
    return build_document(pki=pki, face_jpeg=big_face, aa="rsa")


@pytest.fixture(scope="module")
def doc_ext(pki, big_face):
    """Extended-length chip with RSA-2048 AA."""
    return build_document(pki=pki, face_jpeg=big_face, aa="rsa2048",
                          extended_length=True)


@pytest.fixture(scope="module")
def doc_chain(pki, big_face):
    """Short-only chip with response chaining and RSA-2048 AA."""
    return build_document(pki=pki, face_jpeg=big_face, aa="rsa2048",
                          response_chaining=True)


def _full_read(doc, card=None, **reader_options):
    """Read everything with a fresh server nonce and verify it."""
    service = VerificationService(TrustStore([doc.csca_certificate]))
    challenge = service.issue_challenge("ext")
    link = Link(card or doc.card())
    reader = ChipReader(link, **reader_options)
    result = reader.read(doc.mrz_information, aa_challenge=challenge,
                         data_groups=(1, 2, 15))
    verdict = service.verify_emrtd(result.files, session_key="ext",
                                   aa_challenge=result.aa_challenge,
                                   aa_response=result.aa_response)
    return link, reader, result, verdict


def _dg2_exchanges(link, reader):
    """APDUs needed to select and read DG2 once the session is open."""
    before = len(link.log)
    data = reader.read_file(DG2_FID)
    return data, len(link.log) - before


# -- software card ---------------------------------------------------------

def test_short_only_card_refuses_extended_apdus(doc_short, doc_ext):
    select = CommandAPDU(0, 0xA4, 4, 0x0C, LDS_AID, extended=True).encode()
    assert doc_short.card().process(select) == H("6700")
    assert doc_ext.card().process(select) == H("9000")
    card = doc_short.card()
    reader = ChipReader(Link(card), extended_length=False)
    reader.open(doc_short.mrz_information)
    probe = reader.sm.protect(CommandAPDU(0, 0xB0, 0x9E, 0, le=4,
                                          extended=True).encode(),
                              extended=True)
    assert card.process(probe) == H("6700") and card.sm is None


def test_short_card_never_answers_more_than_256_bytes(doc_short):
    card = doc_short.card()
    reader = ChipReader(Link(card), extended_length=False)
    reader.open(doc_short.mrz_information)
    reader.read_file(0x011E)
    # A protected answer of 256 plain bytes needs 283: no chaining -> 6700.
    data, sw = reader._protected(CommandAPDU(0, 0xB0, 0x82, 0, le=256))
    assert (data, sw) == (b"", 0x6700)


def test_get_response_edge_cases(doc_chain):
    card = doc_chain.card()
    assert card.process(H("00C0000000")) == H("6985")  # nothing pending
    reader = ChipReader(Link(card), extended_length=False)
    reader.open(doc_chain.mrz_information)
    card.process(reader.sm.protect(CommandAPDU(
        0, 0xA4, 2, 0x0C, DG2_FID.to_bytes(2, "big")).encode()))
    reader.sm._next_ssc()
    first = card.process(reader.sm.protect(CommandAPDU(
        0, 0xB0, 0, 0, le=256).encode()))
    # 256 plain bytes take 283 protected ones: 256 now, 27 (1B) pending.
    assert len(first) == 258 and first[-2:] == H("611B")
    piece = card.process(H("00C0000010"))  # ask for less than announced
    assert len(piece) == 18 and piece[-2:] == H("610B")
    last = card.process(H("00C0000000"))
    assert len(last) == 13 and last[-2:] == H("9000")
    assert reader.sm.unprotect(first[:-2] + piece[:-2] + last)[-2:] == \
        H("9000")


def test_rsa2048_needs_a_chip_that_can_answer(pki, big_face):
    with pytest.raises(ValueError, match="extended"):
        build_document(pki=pki, face_jpeg=big_face, aa="rsa2048")


# -- full reads ------------------------------------------------------------

def test_extended_card_full_read_takes_far_fewer_apdus(doc_ext, doc_short):
    link, reader, result, verdict = _full_read(doc_ext)
    assert verdict.ok, verdict.to_dict()
    assert verdict.checks["active_authentication"].status == "passed"
    assert len(result.aa_response) == 256  # RSA-2048 in one answer
    assert result.extended_length and result.length_source == "EF.ATR/INFO"
    assert result.files["DG2"] == doc_ext.data_group(2)
    assert any(is_extended(apdu) for apdu, _ in link.log)
    assert max(len(r) for _, r in link.log) <= EXTENDED_BUFFER
    assert link.count(lambda a: a[1] == 0xC0) == 0  # no chaining needed

    dg2, ext_count = _dg2_exchanges(link, reader)
    short_link, short_reader, short_result, _ = _full_read(doc_short)
    assert short_result.extended_length is False
    short_dg2, short_count = _dg2_exchanges(short_link, short_reader)
    size = len(doc_ext.data_group(2))
    assert dg2 == doc_ext.data_group(2) and size > 10_000
    chunk = max_plain_response(EXTENDED_BUFFER - 2, 8)
    assert ext_count == 2 + -(-(size - 4) // chunk)  # SELECT + head + reads
    assert short_count == 2 + -(-(len(short_dg2) - 4) // MAX_READ)
    assert ext_count * 10 < short_count
    assert result.apdu_count < short_result.apdu_count


def test_short_card_full_read_still_works(doc_short):
    link, _, result, verdict = _full_read(doc_short)
    assert verdict.ok, verdict.to_dict()
    assert verdict.checks["active_authentication"].status == "passed"
    assert not any(is_extended(apdu) for apdu, _ in link.log)
    assert all(len(r) <= 258 for _, r in link.log)
    # EF.ATR/INFO said "short only": no probe, one BAC.
    assert result.length_source == "EF.ATR/INFO"
    assert link.count(_is_get_challenge) == 1


def test_rsa2048_aa_on_short_chip_uses_response_chaining(doc_chain):
    link, _, result, verdict = _full_read(doc_chain)
    assert verdict.ok, verdict.to_dict()
    assert verdict.checks["active_authentication"].status == "passed"
    assert len(result.aa_response) == 256
    assert not any(is_extended(apdu) for apdu, _ in link.log)
    assert all(len(r) <= 258 for _, r in link.log)
    chained = [r for a, r in link.log if a[:2] == H("00C0")]
    assert len(chained) == 1 and chained[0][-2:] == H("9000")
    # The protected signature is 283 bytes (285 with SW): 256 + 27 (1B).
    assert any(r[-2:] == H("611B") for _, r in link.log)


def test_rsa2048_aa_on_short_chip_without_chaining_fails_clearly(doc_chain):
    card = SoftwareCard(doc_chain.files, doc_chain.mrz_information,
                        doc_chain.aa_key, mf_files=doc_chain.mf_files)
    link, _, result, verdict = _full_read(doc_chain, card)
    assert result.aa_response is None
    assert "6700" in result.notes[0] and "response chaining" in \
        result.notes[0]
    assert verdict.checks["sod_signature"].status == "passed"
    assert verdict.checks["active_authentication"].status != "passed"
    assert all(len(r) <= 258 for _, r in link.log)


def test_short_reader_on_extended_card_chunks_short(doc_ext):
    link, reader, result, _ = _full_read(doc_ext, extended_length=False)
    assert result.length_source == "option" and not result.extended_length
    assert not any(is_extended(apdu) for apdu, _ in link.log)
    assert link.count(_selects_atr_info) == 0
    assert result.files["DG2"] == doc_ext.data_group(2)
    # The extended chip cannot fit RSA-2048 into a short answer either.
    assert result.aa_response is None and "6700" in result.notes[0]


# -- detection -------------------------------------------------------------

def test_transport_without_capability_stays_short(doc_ext):
    link = Link(doc_ext.card(), extended_length=None)
    result = ChipReader(link).read(doc_ext.mrz_information, data_groups=(2,))
    assert result.extended_length is False
    assert result.length_source.startswith("transport")
    assert link.count(_selects_atr_info) == 0
    assert not any(is_extended(apdu) for apdu, _ in link.log)


@pytest.mark.parametrize(("historical", "extended"), [
    ("80730000C0", True), ("8073000000", False)])
def test_historical_bytes_decide_without_extra_apdus(doc_ext, historical,
                                                     extended):
    link = Link(doc_ext.card(), historical_bytes=H(historical))
    reader = ChipReader(link)
    result = reader.read(doc_ext.mrz_information, data_groups=(2,))
    assert result.extended_length is extended
    assert result.length_source == "historical bytes"
    assert link.count(_selects_atr_info) == 0
    assert result.files["DG2"] == doc_ext.data_group(2)
    if extended:  # no limit stated: the conservative default applies
        assert reader._chunk_limit() == max_plain_response(
            DEFAULT_EXTENDED_RESPONSE - 2, 8)


def test_probe_finds_extended_length_without_atr_info(doc_ext):
    card = doc_ext.card()
    card.mf_files.clear()
    link = Link(card)
    result = ChipReader(link).read(doc_ext.mrz_information,
                                   data_groups=(2,))
    assert result.extended_length and result.length_source == "probe"
    assert link.count(_is_get_challenge) == 1
    assert result.files["DG2"] == doc_ext.data_group(2)


def test_probe_refusal_falls_back_to_short_and_reopens(doc_short):
    card = doc_short.card()
    card.mf_files.clear()
    link = Link(card)
    result = ChipReader(link).read(doc_short.mrz_information,
                                   aa_challenge=CHALLENGE,
                                   data_groups=(2, 15))
    assert result.extended_length is False
    assert result.length_source == "probe refused (6700)"
    # One extended probe, then BAC again because the chip dropped SM.
    assert [is_extended(a) for a, _ in link.log].count(True) == 1
    assert link.count(_is_get_challenge) == 2
    assert result.files["DG2"] == doc_short.data_group(2)
    assert len(result.aa_response) == 128 and not result.notes


def test_forcing_extended_on_a_short_chip_fails_loudly(doc_short):
    with pytest.raises(SecureMessagingError, match="6700"):
        ChipReader(Link(doc_short.card()), extended_length=True).read(
            doc_short.mrz_information)


def test_max_read_bounds():
    for bad in (0, MAX_EXTENDED_READ + 1):
        with pytest.raises(ValueError, match="max_read"):
            ChipReader(Link(None), max_read=bad)


def test_max_read_caps_extended_chunks(doc_ext):
    link = Link(doc_ext.card())
    reader = ChipReader(link, max_read=500)
    reader.read(doc_ext.mrz_information, data_groups=())
    dg2, count = _dg2_exchanges(link, reader)
    assert dg2 == doc_ext.data_group(2)
    assert count == 2 + -(-(len(dg2) - 4) // 500)


@pytest.mark.timeout(60)
def test_extended_card_over_nfcpy_udp(doc_ext):
    """nfcpy's ISO-DEP chaining carries 4 KB APDUs in 256-byte frames."""
    with UdpCardEmulator(doc_ext.card()) as emulator:
        with NfcpyTransport(emulator.path, wait=10, timeout=5) as link:
            assert isinstance(link._tag, nfc.tag.tt4.Type4ATag)
            assert link.max_frame_size == 253  # FSC 256 minus PCB and CRC
            result = ChipReader(link).read(doc_ext.mrz_information,
                                           aa_challenge=CHALLENGE,
                                           data_groups=(1, 2, 15))
    assert emulator.errors == []
    assert result.extended_length and result.length_source == "EF.ATR/INFO"
    assert result.files["DG2"] == doc_ext.data_group(2)
    assert len(result.aa_response) == 256


def test_protected_probe_refusal_keeps_the_session(doc_ext, monkeypatch):
    """A chip that parses the extended probe but answers it with an error
    under secure messaging keeps its session: no second BAC."""
    card = doc_ext.card()
    card.mf_files.clear()
    plain_read = card._read_binary

    def no_sfi(cmd):
        if cmd.ins == 0xB0 and cmd.p1 & 0x80:
            return b"", 0x6A86
        return plain_read(cmd)

    monkeypatch.setattr(card, "_read_binary", no_sfi)
    link = Link(card)
    result = ChipReader(link).read(doc_ext.mrz_information, data_groups=(2,))
    assert result.length_source == "probe refused (6A86)"
    assert result.extended_length is False
    assert link.count(_is_get_challenge) == 1
    assert result.files["DG2"] == doc_ext.data_group(2)


def test_odd_ins_reads_use_extended_chunks(pki, big_face):
    # Offsets past 32767 need INS B1; its DO'53' answer must fit too.
    face = big_face + b"\x00" * (40_000 - len(big_face))
    doc = build_document(pki=pki, face_jpeg=face, aa=None,
                         extended_length=True)
    link = Link(doc.card())
    reader = ChipReader(link)
    reader.read(doc.mrz_information, data_groups=())
    dg2, count = _dg2_exchanges(link, reader)
    assert dg2 == doc.data_group(2)
    odd = [(a, r) for a, r in link.log if a[1] == 0xB1]
    assert odd and all(is_extended(a) for a, _ in odd)
    assert count < 15  # 40 KB in about 4 KB pieces (short: about 180)
