"""Doc 9303 Part 11 Appendix D worked examples (BAC and secure messaging)."""

from __future__ import annotations

import pytest

from idcard.errors import AccessDeniedError, SecureMessagingError
from idcard.icao import bac
from idcard.icao.crypto import adjust_parity, retail_mac
from idcard.icao.mrz import mrz_information
from idcard.icao.sm import SecureMessaging
from idcard.softcard.card import CardSecureMessaging, _SMAbort

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app

H = bytes.fromhex
MRZ_INFO = "L898902C<369080619406236"
RND_IC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
KS_ENC = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = H("887022120C06C226")


def test_mrz_information_from_printed_fields():
    assert mrz_information("L898902C", "690806", "940623") == MRZ_INFO


def test_key_seed_and_document_basic_access_keys():
    assert bac.key_seed(MRZ_INFO) == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    k_enc, k_mac = bac.derive_keys(MRZ_INFO)
    assert k_enc == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert k_mac == H("7962D9ECE03D1ACD4C76089DCE131543")


def test_parity_adjustment_makes_every_byte_odd():
    raw = H("AB94FCEDF2664EDFB9B291F85D7F77F2")  # Ka || Kb before parity
    adjusted = adjust_parity(raw)
    assert adjusted == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert all(bin(b).count("1") % 2 == 1 for b in adjusted)


def test_external_authenticate_cryptogram_and_mac():
    k_enc, k_mac = bac.derive_keys(MRZ_INFO)
    data = bac.external_authenticate_data(k_enc, k_mac, RND_IC, RND_IFD,
                                          K_IFD)
    assert data == H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F"
                     "498F76ED92F25F1448EEA8AD90A7")


def test_chip_response_session_keys_and_ssc():
    k_enc, k_mac = bac.derive_keys(MRZ_INFO)
    resp = H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE1"
             "78534F2F2D235D074D7449")
    k_ic = bac.check_chip_response(k_enc, k_mac, resp, RND_IC, RND_IFD)
    assert k_ic == H("0B4F80323EB3191CB04970CB4052790B")
    assert bac.session_keys(K_IFD, k_ic) == (KS_ENC, KS_MAC)
    assert bac.initial_ssc(RND_IC, RND_IFD) == SSC


def test_chip_response_with_flipped_bit_is_rejected():
    k_enc, k_mac = bac.derive_keys(MRZ_INFO)
    resp = bytearray(H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2E"
                       "EDC94EE178534F2F2D235D074D7449"))
    resp[3] ^= 1
    with pytest.raises(AccessDeniedError, match="MAC"):
        bac.check_chip_response(k_enc, k_mac, bytes(resp), RND_IC, RND_IFD)


def test_perform_bac_against_scripted_chip():
    sent = []

    def chip(apdu: bytes) -> bytes:
        sent.append(apdu)
        if apdu[1] == 0x84:
            return RND_IC + b"\x90\x00"
        return H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94E"
                 "E178534F2F2D235D074D7449") + b"\x90\x00"

    randomness = iter([RND_IFD, K_IFD])
    sm = bac.perform_bac(chip, MRZ_INFO, rng=lambda n: next(randomness))
    assert sent[0] == H("0084000008")
    assert sent[1] == H("0082000028") + H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
        "5F1448EEA8AD90A7") + H("28")
    assert sm.ssc == SSC
    assert sm.protect(H("00A4020C02011E")) == H(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")


def test_secure_messaging_examples():
    sm = SecureMessaging(KS_ENC, KS_MAC, SSC)
    # SELECT EF.COM
    assert sm.protect(H("00A4020C02011E")) == H(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    assert sm.ssc == H("887022120C06C227")
    assert sm.unprotect(H("990290008E08FA855A5D4C50A8ED9000")) == H("9000")
    # READ BINARY of the first four bytes
    assert sm.protect(H("00B0000004")) == H(
        "0CB000000D9701048E08ED6705417E96BA5500")
    assert sm.unprotect(H("8709019FF0EC34F9922651990290008E08AD55CC17140B"
                          "2DED9000")) == H("60145F019000")
    # READ BINARY of the remaining 18 bytes from offset 4
    assert sm.protect(H("00B0000412")) == H(
        "0CB000040D9701128E082EA28A70F3C7B53500")
    assert sm.unprotect(H(
        "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E"
        "08C8B2787EAEA07D749000")) == H("04303130365F36063034303030305C02"
                                        "61759000")
    assert sm.ssc == H("887022120C06C22C")


def test_mac_of_appendix_n_block():
    # N for the SELECT command in D.4: SSC || header || DO'87' || padding.
    n = H("887022120C06C2270CA4020C800000008709016375432908C044F6")
    assert retail_mac(KS_MAC, n) == H("BF8B92D635FF24F8")


def _session_after_select() -> SecureMessaging:
    sm = SecureMessaging(KS_ENC, KS_MAC, SSC)
    sm.protect(H("00A4020C02011E"))
    return sm


def test_response_with_wrong_mac_is_rejected_and_session_closed():
    sm = _session_after_select()
    bad = H("990290008E08FA855A5D4C50A8ED9000").replace(H("FA855A5D"),
                                                        H("FA855A5E"))
    with pytest.raises(SecureMessagingError, match="MAC"):
        sm.unprotect(bad)
    with pytest.raises(SecureMessagingError, match="aborted"):
        sm.protect(H("00B0000004"))


def test_replayed_response_fails_because_ssc_moved_on():
    sm = _session_after_select()
    good = H("990290008E08FA855A5D4C50A8ED9000")
    assert sm.unprotect(good) == H("9000")
    sm.protect(H("00B0000004"))
    # The same bytes one counter value later: the MAC no longer matches.
    with pytest.raises(SecureMessagingError, match="send sequence counter"):
        sm.unprotect(good)


def test_response_data_is_never_returned_when_mac_fails():
    sm = SecureMessaging(KS_ENC, KS_MAC, H("887022120C06C228"))
    sm.protect(H("00B0000004"))
    tampered = bytearray(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2D"
                           "ED9000"))
    tampered[5] ^= 0x40  # inside the encrypted DO'87'
    with pytest.raises(SecureMessagingError):
        sm.unprotect(bytes(tampered))


@pytest.mark.parametrize("response, reason", [
    (H("6988"), "without secure messaging"),
    (H("8E08FA855A5D4C50A8ED9000"), "DO'99'"),
    (H("99029000") + H("9000"), "DO'8E'"),
    (H("9902900087"), "malformed"),
])
def test_malformed_protected_responses(response, reason):
    sm = _session_after_select()
    with pytest.raises(SecureMessagingError, match=reason):
        sm.unprotect(response)


def test_aes_secure_messaging_roundtrip_with_card_side():
    key_enc, key_mac, ssc = bytes(range(16)), bytes(range(16, 32)), bytes(16)
    reader = SecureMessaging(key_enc, key_mac, ssc)
    card = CardSecureMessaging(key_enc, key_mac, ssc)
    assert reader.suite.name == card.suite.name == "AES"
    protected = reader.protect(H("00A4020C02011E"))
    # DO'87' holds indicator + one 16-byte block; the MAC stays 8 bytes.
    assert protected[5:8] == H("871101") and protected[-11:-9] == H("8E08")
    plain = card.unwrap(protected)
    assert (plain.ins, plain.data) == (0xA4, H("011E"))
    answer = card.wrap(b"hello world, 19 b", 0x9000)
    assert reader.unprotect(answer) == b"hello world, 19 b" + H("9000")
    assert reader.ssc == card.ssc.to_bytes(16, "big") == (2).to_bytes(16,
                                                                     "big")
    # A 3DES chip session cannot accept what an AES reader sends.
    des_card = CardSecureMessaging(KS_ENC, KS_MAC, SSC)
    with pytest.raises(_SMAbort):
        des_card.unwrap(reader.protect(H("00B0000004")))
