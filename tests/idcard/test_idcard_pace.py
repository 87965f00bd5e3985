"""PACE (Generic Mapping): the worked examples of Doc 9303 Part 11 (the
values are in pace_vectors.py), the standardized domain parameters and
EF.CardAccess. Reads against PACE software chips are in
test_idcard_pace_reads.py."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from idcard import tlv
from idcard.errors import LDSError, ParseError
from idcard.icao import ecmath
from idcard.icao.curves import BY_NAME, NATIVE_CURVES
from idcard.icao.domains import DH_GROUPS, STANDARD_IDS
from idcard.icao.keyagree import DHDomain, ECDomain, public_key_object
from idcard.icao.mrz import mrz_information
from idcard.icao.pace import (
    PacePassword,
    auth_token,
    decrypt_nonce,
    derive_key,
    element_bytes,
    pace_choices,
    password_key,
    perform_pace,
)
from idcard.icao.secinfo import CIPHERS, encode_pace_info, encode_security_infos, pace_oid, parse_security_infos
from idcard.softcard import build_document, demo_face_jpeg
from idcard.softcard.pace_card import CardPACE, PaceOption
from tests.idcard.pace_vectors import (
    G_CARD_ACCESS,
    G_MRZ,
    G_OID,
    H_OID,
    NZ,
    NZ_CARD_ACCESS,
    NZ_MRZ,
    NZ_SCRIPT,
    D,
    G,
    H,
    I,
    Replay,
    g_script,
)

pytestmark = pytest.mark.own_app


# --- Doc 9303 Part 11, Appendix G: ECDH Generic Mapping, brainpoolP256r1 --

@pytest.fixture(scope="module")
def brainpool() -> ECDomain:
    return ECDomain(BY_NAME["brainpoolP256r1"])


def test_appendix_g_password_nonce_and_keys(brainpool):
    password = PacePassword.from_mrz(G_MRZ)
    assert password.reference == 1 and password.secret == H(G["k"])
    cipher = CIPHERS[2]
    k_pi = password_key(password, cipher)
    assert k_pi == H(G["k_pi"])
    assert decrypt_nonce(k_pi, cipher, H(G["z"])) == H(G["s"])
    assert brainpool.public_key(I(G["map_priv_pcd"])) == H(G["map_pub_pcd"])
    assert brainpool.public_key(I(G["map_priv_ic"])) == H(G["map_pub_ic"])
    # Both sides reach the same H and the same mapped generator.
    h_pcd = brainpool.shared_point(I(G["map_priv_pcd"]), H(G["map_pub_ic"]))
    h_ic = brainpool.shared_point(I(G["map_priv_ic"]), H(G["map_pub_pcd"]))
    assert h_pcd == h_ic
    assert ecmath.encode_point(brainpool.curve, h_pcd) == H(G["h"])
    mapped = brainpool.map_generic(I(G["s"]), I(G["map_priv_pcd"]),
                                   H(G["map_pub_ic"]))
    assert element_bytes(mapped) == H(G["mapped_g"])
    assert mapped.public_key(I(G["priv_pcd"])) == H(G["pub_pcd"])
    assert mapped.public_key(I(G["priv_ic"])) == H(G["pub_ic"])
    shared = mapped.agree(I(G["priv_pcd"]), H(G["pub_ic"]))
    assert shared == H(G["shared"]) == mapped.agree(I(G["priv_ic"]),
                                                     H(G["pub_pcd"]))
    assert derive_key(shared, 1, cipher) == H(G["ks_enc"])
    assert derive_key(shared, 2, cipher) == H(G["ks_mac"])


def test_appendix_g_tokens(brainpool):
    infos = parse_security_infos(H(G_CARD_ACCESS))
    choice = pace_choices(infos)[0]
    assert choice.label == "ECDH-GM AES-128 brainpoolP256r1"
    token_input = public_key_object(G_OID, brainpool, H(G["pub_ic"]))
    assert token_input[:17] == H("7F494F 060A04007F00070202040202 8641")
    assert auth_token(H(G["ks_mac"]), choice.protocol, brainpool,
                      H(G["pub_ic"])) == H(G["t_pcd"])
    assert auth_token(H(G["ks_mac"]), choice.protocol, brainpool,
                      H(G["pub_pcd"])) == H(G["t_ic"])


def test_appendix_g_reader_sends_exactly_the_example_apdus():
    replay = Replay(g_script())
    choice = pace_choices(parse_security_infos(H(G_CARD_ACCESS)))[0]
    session = perform_pace(replay.transceive, PacePassword.from_mrz(G_MRZ),
                           choice, private_keys=[I(G["map_priv_pcd"]),
                                                 I(G["priv_pcd"])])
    assert replay.index == 5
    trace = session.trace
    assert trace.nonce == H(G["s"])
    assert trace.mapped_generator == H(G["mapped_g"])
    assert trace.shared_secret == H(G["shared"])
    assert (trace.ks_enc, trace.ks_mac) == (H(G["ks_enc"]), H(G["ks_mac"]))
    assert trace.chip_token == H(G["t_ic"])
    # Part 11: after PACE the AES send sequence counter starts at zero.
    assert session.sm.ssc == bytes(16)
    assert session.sm.suite.ks_enc == H(G["ks_enc"])


def test_appendix_g_software_chip_gives_exactly_the_example_answers(pkis):
    chip = CardPACE([PaceOption(G_OID, 13)], mrz_information=G_MRZ, can=None)
    chip.fixed_nonce = H(G["s"])
    chip.fixed_keys = [I(G["map_priv_ic"]), I(G["priv_ic"])]
    assert chip.card_access == H(G_CARD_ACCESS)
    doc = build_document(access="pace", aa=None,
                         face_jpeg=demo_face_jpeg((60, 80)), pki=pkis["ecdsa"])
    card = doc.card()
    card.pace = chip
    for command, response in g_script():
        assert card.process(command) == response
    assert card.sm is not None and card.sm.ssc == 0


# --- Doc 9303 Part 11, Appendix H: DH Generic Mapping, 1024-bit group -----

def test_appendix_h_dh_generic_mapping_every_value():
    group = DHDomain(DH_GROUPS["rfc5114-1024-160"])
    assert STANDARD_IDS[0] is group.group
    cipher = CIPHERS[2]
    k_pi = password_key(PacePassword.from_mrz(G_MRZ), cipher)
    assert k_pi == H(G["k_pi"])
    assert decrypt_nonce(k_pi, cipher, H(D["z"])) == H(D["s"])
    assert group.public_key(I(D["map_priv_pcd"])) == H(D["map_pub_pcd"])
    assert group.public_key(I(D["map_priv_ic"])) == H(D["map_pub_ic"])
    h = group.shared_value(I(D["map_priv_pcd"]), H(D["map_pub_ic"]))
    assert h == I(D["h"]) == group.shared_value(I(D["map_priv_ic"]),
                                                H(D["map_pub_pcd"]))
    mapped = group.map_generic(I(D["s"]), I(D["map_priv_pcd"]),
                               H(D["map_pub_ic"]))
    assert element_bytes(mapped) == H(D["mapped_g"])
    assert mapped.public_key(I(D["priv_pcd"])) == H(D["pub_pcd"])
    assert mapped.public_key(I(D["priv_ic"])) == H(D["pub_ic"])
    shared = mapped.agree(I(D["priv_pcd"]), H(D["pub_ic"]))
    assert shared == H(D["shared"]) == mapped.agree(I(D["priv_ic"]),
                                                     H(D["pub_pcd"]))
    assert derive_key(shared, 1, cipher) == H(D["ks_enc"])
    assert derive_key(shared, 2, cipher) == H(D["ks_mac"])
    protocol = pace_choices(parse_security_infos(encode_security_infos(
        [encode_pace_info(H_OID, 0)])))[0].protocol
    assert auth_token(H(D["ks_mac"]), protocol, mapped,
                      H(D["pub_ic"])) == H(D["t_pcd"])
    assert auth_token(H(D["ks_mac"]), protocol, mapped,
                      H(D["pub_pcd"])) == H(D["t_ic"])


# --- a real passport -----------------------------------------------------

def test_3des_trace_of_a_real_passport_replays():
    """ECDH-GM with 3DES (retail MAC tokens): a New Zealand passport's
    exchange, published with the gmrtd test suite, replayed byte for byte."""
    choice = pace_choices(parse_security_infos(H(NZ_CARD_ACCESS)))[0]
    assert choice.label == "ECDH-GM 3DES brainpoolP256r1"
    replay = Replay(NZ_SCRIPT)
    session = perform_pace(
        replay.transceive, PacePassword.from_mrz(mrz_information(*NZ_MRZ)),
        choice, private_keys=[I(NZ["map_priv_pcd"]), I(NZ["priv_pcd"])])
    assert replay.index == 5
    assert session.trace.ks_enc == H(NZ["ks_enc"])
    assert session.trace.ks_mac == H(NZ["ks_mac"])
    assert session.sm.ssc == bytes(8) and session.sm.suite.name == "3DES"


# --- domain parameters and arithmetic ----------------------------------

@pytest.mark.parametrize("parameter_id", range(8, 19))
def test_standard_curves_are_sound(parameter_id):
    curve = STANDARD_IDS[parameter_id]
    assert ecmath.is_on_curve(curve, curve.generator)
    assert ecmath.multiply(curve, curve.n, curve.generator) is None
    k = int.from_bytes(os.urandom(curve.size), "big") % (curve.n - 1) + 1
    point = ecmath.multiply(curve, k, curve.generator)
    assert ecmath.add(curve, point, curve.generator) == \
        ecmath.multiply(curve, k + 1, curve.generator)
    assert ecmath.add(curve, point, point) == \
        ecmath.multiply(curve, 2 * k, curve.generator)
    assert ecmath.add(curve, point, ecmath.negate(curve, point)) is None
    compressed = bytes([2 | point[1] & 1]) + point[0].to_bytes(curve.size,
                                                               "big")
    assert ecmath.decode_point(curve, compressed) == point
    if curve.name in NATIVE_CURVES:
        numbers = ec.derive_private_key(k, NATIVE_CURVES[curve.name]()) \
            .public_key().public_numbers()
        assert (numbers.x, numbers.y) == point


def test_standard_ids_follow_part_11():
    """Ids 8-18 come from the order of the curve table: it must stay Part 11's."""
    assert [STANDARD_IDS[i].name for i in range(8, 19)] == [
        "secp192r1", "brainpoolP192r1", "secp224r1", "brainpoolP224r1",
        "secp256r1", "brainpoolP256r1", "brainpoolP320r1", "secp384r1",
        "brainpoolP384r1", "brainpoolP512r1", "secp521r1"]


@pytest.mark.parametrize("parameter_id", [0, 1, 2])
def test_rfc5114_groups_are_sound(parameter_id):
    group = STANDARD_IDS[parameter_id]
    assert (group.p - 1) % group.q == 0
    assert pow(group.g, group.q, group.p) == 1 and group.g != 1


def test_invalid_public_keys_are_refused(brainpool):
    point = bytearray(H(G["map_pub_ic"]))
    point[-1] ^= 1
    with pytest.raises(ParseError, match="not on"):
        brainpool.decode_public(bytes(point))
    group = DHDomain(DH_GROUPS["rfc5114-1024-160"])
    for value in (1, 2, group.group.p - 1):
        with pytest.raises(ParseError):
            group.decode_public(value.to_bytes(128, "big"))


# --- EF.CardAccess -------------------------------------------------------

def test_card_access_tolerates_unknown_infos_and_prefers_the_strongest():
    unknown_ta = tlv.encode(0x30, tlv.encode_oid("0.4.0.127.0.7.2.2.2") +
                            tlv.encode(0x02, b"\x02"))
    locator = tlv.encode(0x30, tlv.encode_oid("0.4.0.127.0.7.2.2.6") +
                         tlv.encode(0x16, b"https://example.test"))
    infos = parse_security_infos(encode_security_infos([
        encode_pace_info(pace_oid("DH", "AES-256"), 0),
        encode_pace_info(pace_oid("ECDH", "AES-128"), 12),
        encode_pace_info(pace_oid("ECDH", "AES-256", "IM"), 13),
        encode_pace_info(pace_oid("ECDH", "AES-256"), 16),
        unknown_ta, locator]))
    assert infos.other == ["0.4.0.127.0.7.2.2.2", "0.4.0.127.0.7.2.2.6"]
    labels = [c.label for c in pace_choices(infos)]
    assert labels == ["ECDH-GM AES-256 brainpoolP384r1",
                      "ECDH-GM AES-128 secp256r1",
                      "DH-GM AES-256 rfc5114-1024-160"]
    assert all(c.send_parameter_id for c in pace_choices(infos))


def test_card_access_with_explicit_domain_parameters():
    curve = BY_NAME["brainpoolP256r1"]

    def integer(value):
        return tlv.encode(0x02, value.to_bytes(value.bit_length() // 8 + 1,
                                               "big"))

    params = tlv.encode(0x30, integer(1) + tlv.encode(
        0x30, tlv.encode_oid("1.2.840.10045.1.1") + integer(curve.p)) +
        tlv.encode(0x30, tlv.encode(0x04, curve.a.to_bytes(32, "big")) +
                   tlv.encode(0x04, curve.b.to_bytes(32, "big"))) +
        tlv.encode(0x04, ecmath.encode_point(curve, curve.generator)) +
        integer(curve.n) + integer(1))
    domain_info = tlv.encode(0x30, tlv.encode_oid("0.4.0.127.0.7.2.2.4.2") +
                             tlv.encode(0x30, tlv.encode_oid(
                                 "1.2.840.10045.2.1") + params) + integer(32))
    infos = parse_security_infos(encode_security_infos(
        [encode_pace_info(pace_oid("ECDH", "AES-128"), 32), domain_info]))
    (choice,) = pace_choices(infos)
    assert choice.domain.curve is curve and choice.parameter_id == 32


def test_malformed_card_access_is_an_lds_error():
    with pytest.raises(LDSError):
        parse_security_infos(H("3003020101"))
    with pytest.raises(LDSError):
        parse_security_infos(H("3005 3003 060104"))
