"""PACE reads against software chips: every suite with MRZ and CAN, the
worked example of Appendix H on the chip, wrong passwords, chips that
misbehave, and the fallback to BAC."""

from __future__ import annotations

import pytest

from idcard import tlv
from idcard.errors import AccessDeniedError
from idcard.icao.mrz import mrz_information
from idcard.icao.pace import PACEError, PacePassword, pace_choices, perform_pace
from idcard.icao.reader import ChipReader
from idcard.icao.secinfo import encode_pace_info, encode_security_infos, pace_oid, parse_security_infos
from idcard.icao.trust import TrustStore
from idcard.softcard import SoftwareCardTransport, build_document, demo_face_jpeg
from idcard.softcard.pace_card import CardPACE, PaceOption
from idcard.verification import VerificationService
from tests.idcard.pace_vectors import G_MRZ, H_OID, D, G, H, I, ga_command, ga_response

pytestmark = pytest.mark.own_app


class Spy:
    """Transport into a card that logs and may tamper with answers."""

    simulated = True

    def __init__(self, card, tamper=None):
        self.card, self.tamper, self.log = card, tamper, []

    def transceive(self, apdu: bytes) -> bytes:
        response = self.card.process(apdu)
        if self.tamper:
            response = self.tamper(apdu, response)
        self.log.append((bytes(apdu), response))
        return response


# --- fixtures ------------------------------------------------------------

def _face():
    return demo_face_jpeg((60, 80))


@pytest.fixture(scope="module")
def face():
    return _face()


@pytest.fixture(scope="module")
def pace_doc(pkis, face):
    """PACE-only chip (GET CHALLENGE refused), ECDSA AA."""
    return build_document(pki=pkis["ecdsa"], face_jpeg=face, access="pace",
                          can="123456")


# --- Appendix H on the software chip --------------------------------------

def test_appendix_h_reader_against_the_software_chip_with_example_keys(pkis):
    doc = build_document(access="pace", aa=None, face_jpeg=_face(),
                         pace_options=(PaceOption(H_OID, 0),),
                         pki=pkis["ecdsa"])
    card = doc.card()
    chip = CardPACE([PaceOption(H_OID, 0)], mrz_information=G_MRZ, can=None)
    chip.fixed_nonce = H(D["s"])
    chip.fixed_keys = [I(D["map_priv_ic"]), I(D["priv_ic"])]
    card.pace = chip
    spy = Spy(card)
    choice = pace_choices(parse_security_infos(chip.card_access))[0]
    session = perform_pace(spy.transceive, PacePassword.from_mrz(G_MRZ),
                           choice, private_keys=[I(D["map_priv_pcd"]),
                                                 I(D["priv_pcd"])])
    assert spy.log[0][0] == H("0022C1A4 0F 800A04007F00070202040102 830101")
    assert spy.log[1][1] == ga_response(0x80, D["z"])
    assert spy.log[2][0] == ga_command(0x10, 0x81, D["map_pub_pcd"])
    assert spy.log[3][1] == ga_response(0x84, D["pub_ic"])
    assert spy.log[4][0] == ga_command(0x00, 0x85, D["t_pcd"])
    assert spy.log[4][1] == ga_response(0x86, D["t_ic"])
    assert session.trace.shared_secret == H(D["shared"])


# --- every suite, wrong passwords, misbehaving chips, BAC fallback -------

@pytest.mark.parametrize("agreement,cipher,parameter_id", [
    ("ECDH", "AES-128", 13), ("ECDH", "3DES", 12), ("ECDH", "AES-192", 16),
    ("ECDH", "AES-256", 15), ("ECDH", "AES-128", 17), ("ECDH", "AES-256", 18),
    ("ECDH", "AES-128", 9), ("ECDH", "AES-128", 14),
    ("DH", "3DES", 0), ("DH", "AES-128", 0)])
@pytest.mark.parametrize("password", ["mrz", "can"])
def test_pace_read_of_every_suite(pkis, face, agreement, cipher, parameter_id,
                                  password):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, access="pace",
                         aa=None, pace_options=(PaceOption(
                             pace_oid(agreement, cipher), parameter_id),))
    spy = Spy(doc.card())
    reader = ChipReader(spy)
    result = reader.read(doc.mrz_information if password == "mrz" else None,
                         can=doc.can if password == "can" else None)
    assert result.access_protocol == "PACE"
    assert result.access_details.endswith(password.upper())
    assert cipher in result.access_details
    assert result.card_access == doc.card().pace.card_access
    assert "CardAccess" not in result.files
    assert result.files["DG1"] == doc.data_group(1)
    assert result.files["DG2"] == doc.data_group(2)
    assert reader.access.pace.sm.suite.name == cipher.split("-")[0]
    # After the last GENERAL AUTHENTICATE nothing travels in plain.
    last = max(i for i, (a, _) in enumerate(spy.log) if a[1] == 0x86)
    assert spy.log[last][0][0] == 0x00
    assert all(a[0] & 0x0C for a, _ in spy.log[last + 1:])
    assert not any(a[1] in (0x84, 0x82) for a, _ in spy.log)


def test_pace_only_chip_is_read_and_verified(pace_doc):
    card = pace_doc.card()
    assert card.process(H("00A4040C07A0000002471001")) == H("9000")
    assert card.process(H("0084000008")) == H("6D00")  # no BAC here
    service = VerificationService(TrustStore([pace_doc.csca_certificate]))
    challenge = service.issue_challenge("s")
    read = ChipReader(SoftwareCardTransport(pace_doc.card())).read(
        pace_doc.mrz_information, aa_challenge=challenge)
    result = service.verify_emrtd(read.files, session_key="s",
                                  aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response)
    assert read.access_protocol == "PACE" and result.ok, result.to_dict()
    assert result.chip_proofs == ("active_authentication",)
    assert "chip_authentication" not in result.checks


def test_wrong_mrz_on_a_pace_only_chip(pace_doc):
    wrong = mrz_information("X1234567", "740812", "300101")
    spy = Spy(pace_doc.card())
    with pytest.raises(AccessDeniedError) as info:
        ChipReader(spy).read(wrong)
    text = str(info.value)
    assert "PACE rejected by the chip (6300)" in text
    assert "BAC fallback failed too" in text and "6D00" in text
    # The chip itself refused the terminal's token with 6300.
    assert any(a[1] == 0x86 and a[0] == 0 and r == H("6300")
               for a, r in spy.log)


def test_wrong_can_cannot_fall_back(pace_doc):
    with pytest.raises(AccessDeniedError, match="impossible with only a CAN"):
        ChipReader(SoftwareCardTransport(pace_doc.card())).read(can="654321")


def test_can_alone_on_a_bac_chip(pkis, face):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, aa=None)
    with pytest.raises(AccessDeniedError, match="no PACE.*BAC is impossible"):
        ChipReader(SoftwareCardTransport(doc.card())).read(can=doc.can)


def test_wrong_mrz_on_a_both_chip_reports_both(pkis, face):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, access="both")
    wrong = mrz_information("X1234567", "740812", "300101")
    with pytest.raises(AccessDeniedError, match="PACE.*6300.*BAC rejected"):
        ChipReader(SoftwareCardTransport(doc.card())).read(wrong)


def test_chip_with_a_wrong_token_is_not_trusted_and_not_downgraded(pace_doc):
    def bad_token(apdu, response):
        if apdu[:2] == b"\x00\x86" and response[-2:] == b"\x90\x00":
            return response[:-3] + bytes([response[-3] ^ 0x01]) + b"\x90\x00"
        return response

    spy = Spy(pace_doc.card(), bad_token)
    with pytest.raises(PACEError, match="token is wrong"):
        ChipReader(spy).read(pace_doc.mrz_information)
    assert not any(a[1] == 0x84 for a, _ in spy.log)  # no BAC attempt


def test_chip_with_an_invalid_mapping_key_is_refused(pace_doc):
    def off_curve(apdu, response):
        if apdu[5:8] == b"\x7c\x43\x81":
            return response[:-3] + bytes([response[-3] ^ 0x01]) + b"\x90\x00"
        return response

    with pytest.raises(PACEError, match="not on"):
        ChipReader(Spy(pace_doc.card(), off_curve)).read(
            pace_doc.mrz_information)


def test_chip_refuses_a_terminal_mapping_key_off_the_curve(pace_doc):
    card = pace_doc.card()
    option = card.pace.options[0]
    mse = H("0022C1A40F800A") + tlv.decode(tlv.encode_oid(
        option.protocol)).value + H("830101")
    assert card.process(mse) == H("9000")
    assert card.process(H("10860000027C0000"))[-2:] == H("9000")
    bad = bytearray(H(G["map_pub_pcd"]))
    bad[-1] ^= 1
    assert card.process(ga_command(0x10, 0x81, bad.hex())) == H("6A80")
    # The run is over: the next step is out of sequence.
    assert card.process(ga_command(0x10, 0x83, G["pub_pcd"])) == H("6985")


def test_bac_fallback_when_pace_is_refused_with_a_status_word(pkis, face):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, access="both")

    def refuse_mse(apdu, response):
        return H("6D00") if apdu[:4] == H("0022C1A4") else response

    spy = Spy(doc.card(), refuse_mse)
    result = ChipReader(spy).read(doc.mrz_information)
    assert result.access_protocol == "BAC"
    assert result.card_access is not None
    assert any("PACE failed, BAC instead" in n for n in result.notes)
    assert result.files["DG1"] == doc.data_group(1)


def test_bac_when_card_access_offers_no_generic_mapping(pkis, face):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, access="both")
    card = doc.card()
    card.mf_files[0x011C] = encode_security_infos(
        [encode_pace_info(pace_oid("ECDH", "AES-128", "IM"), 13)])
    result = ChipReader(SoftwareCardTransport(card)).read(doc.mrz_information)
    assert result.access_protocol == "BAC"
    assert any("Generic Mapping" in n for n in result.notes)


def test_bac_only_chip_has_no_card_access(pkis, face):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, aa=None)
    result = ChipReader(SoftwareCardTransport(doc.card())).read(
        doc.mrz_information)
    assert result.access_protocol == "BAC" and result.card_access is None
    assert result.access_details == "BAC" and result.notes == []


def test_2048_bit_dh_needs_extended_length_else_bac(pkis, face):
    options = (PaceOption(pace_oid("DH", "AES-128"), 2),)
    extended = build_document(pki=pkis["ecdsa"], face_jpeg=face,
                              access="both", extended_length=True,
                              pace_options=options)
    result = ChipReader(SoftwareCardTransport(extended.card())).read(
        extended.mrz_information)
    assert result.access_protocol == "PACE"
    assert "rfc5114-2048-256" in result.access_details
    short = build_document(pki=pkis["ecdsa"], face_jpeg=face, access="both",
                           pace_options=options)
    result = ChipReader(SoftwareCardTransport(short.card())).read(
        short.mrz_information)
    assert result.access_protocol == "BAC"
    assert any("6700" in n for n in result.notes)


def test_chip_demands_parameter_id_when_ambiguous(pkis, face):
    options = (PaceOption(pace_oid("ECDH", "AES-128"), 13),
               PaceOption(pace_oid("ECDH", "AES-128"), 12))
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, access="pace",
                         pace_options=options, aa=None)
    card = doc.card()
    mse = H("0022C1A40F800A04007F00070202040202830101")
    assert card.process(mse) == H("6A80")
    assert card.process(mse[:4] + bytes([mse[4] + 3]) + mse[5:] +
                        H("84010C")) == H("9000")
    spy = Spy(doc.card())
    result = ChipReader(spy).read(doc.mrz_information)
    assert result.access_protocol == "PACE"
    (mse_sent,) = [a for a, _ in spy.log if a[:4] == H("0022C1A4")]
    chosen = 13 if "brainpoolP256r1" in result.access_details else 12
    assert mse_sent.endswith(H("8401") + bytes([chosen]))
