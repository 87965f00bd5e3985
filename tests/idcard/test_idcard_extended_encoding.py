"""Extended-length APDUs without a chip: ISO 7816-4 encoding, the secure
messaging forms and length formulas, capability information and the bound
on response chaining. Reads that use them are in test_idcard_extended.py."""

from __future__ import annotations

import pytest

from idcard.errors import CardError, ParseError, SecureMessagingError
from idcard.icao.apdu import CommandAPDU, is_extended, transceive_chained
from idcard.icao.lds import LDS_AID
from idcard.icao.lengths import LengthSupport, encode_atr_info, parse_atr_info, parse_historical_bytes
from idcard.icao.reader import MAX_READ
from idcard.icao.sm import SecureMessaging, decode_le, encode_le, max_plain_response, protected_response_length
from idcard.softcard.card import CardSecureMessaging
from idcard.softcard.link import EXTENDED_BUFFER

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app

H = bytes.fromhex


# -- encoding --------------------------------------------------------------

@pytest.mark.parametrize(("cmd", "wire"), [
    (CommandAPDU(0, 0xB0, 0, 0, le=256), "00B0000000"),
    (CommandAPDU(0, 0xB0, 0, 0, le=257), "00B0000000" "0101"),
    (CommandAPDU(0, 0xB0, 0, 0, le=65536), "00B0000000" "0000"),
    (CommandAPDU(0, 0xB0, 0, 0, le=4, extended=True), "00B0000000" "0004"),
    (CommandAPDU(0, 0xA4, 4, 0x0C, LDS_AID, extended=True),
     "00A4040C000007A0000002471001"),
    (CommandAPDU(0, 0x88, 0, 0, b"\x01" * 8, le=65536),
     "00880000000008" + "01" * 8 + "0000"),
    (CommandAPDU(0, 0x88, 0, 0, b"\x01" * 8, le=256),
     "0088000008" + "01" * 8 + "00"),
])
def test_encoding_matches_iso_7816_4(cmd, wire):
    assert cmd.encode() == H(wire)
    decoded = CommandAPDU.decode(H(wire))
    assert (decoded.cla, decoded.ins, decoded.p1, decoded.p2, decoded.data,
            decoded.le) == (cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, cmd.le)
    assert decoded.extended == is_extended(H(wire)) == cmd.needs_extended
    assert decoded.encode() == H(wire)


@pytest.mark.parametrize("lc", [1, 255, 256, 65535])
@pytest.mark.parametrize("le", [None, 1, 255, 256, 257, 65535, 65536])
def test_round_trip_and_form_choice(lc, le):
    cmd = CommandAPDU(0x00, 0xD6, 0x01, 0x02, bytes(range(256)) * (lc // 256)
                      + bytes(lc % 256), le)
    raw = cmd.encode()
    short = lc <= 255 and (le is None or le <= 256)
    assert is_extended(raw) is not short
    # Short whenever it fits: header + Lc + data + Le bytes exactly.
    expected = 4 + (1 + lc if short else 3 + lc) + (
        0 if le is None else (1 if short else 2))
    assert len(raw) == expected
    back = CommandAPDU.decode(raw)
    assert (back.data, back.le, back.extended) == (cmd.data, le, not short)


def test_lc_boundary_bytes():
    assert CommandAPDU(0, 0xD6, 0, 0, b"\xaa" * 255).encode()[4] == 0xFF
    raw = CommandAPDU(0, 0xD6, 0, 0, b"\xaa" * 256).encode()
    assert raw[4:7] == H("000100") and len(raw) == 7 + 256


@pytest.mark.parametrize("raw", [
    "00D60000000000AA",          # extended Lc of zero
    "00B000000001",              # extended field truncated
    "00D60000000002AA",          # data shorter than extended Lc
    "00D60000000001AA00",        # one trailing byte: neither 3E nor 4E
])
def test_malformed_extended_apdus_are_rejected(raw):
    with pytest.raises(ParseError):
        CommandAPDU.decode(H(raw))


def test_encode_limits():
    with pytest.raises(ParseError):
        CommandAPDU(0, 0xD6, 0, 0, bytes(65536)).encode()
    with pytest.raises(ParseError):
        CommandAPDU(0, 0xB0, 0, 0, le=65537).encode()
    with pytest.raises(ParseError):
        CommandAPDU(0, 0xB0, 0, 0, extended=True).encode()  # case 1


# -- secure messaging ------------------------------------------------------

def test_do97_is_one_or_two_bytes():
    assert encode_le(1) == b"\x01" and encode_le(256) == b"\x00"
    assert encode_le(257) == b"\x01\x01" and encode_le(65536) == b"\x00\x00"
    for le in (1, 255, 256, 257, 4096, 65535, 65536):
        assert decode_le(encode_le(le)) == le


@pytest.mark.parametrize("ssc", [bytes(8), bytes(16)], ids=["3DES", "AES"])
def test_protect_chooses_the_form_and_the_card_unwraps_it(ssc):
    keys = (bytes(range(16)), bytes(range(16, 32)))
    if len(ssc) == 16:
        keys = (bytes(range(32)), bytes(range(32, 64)))
    reader, chip = SecureMessaging(*keys, ssc), CardSecureMessaging(*keys, ssc)
    cases = [
        (CommandAPDU(0, 0xB0, 0, 0, le=MAX_READ), False, False),
        (CommandAPDU(0, 0xB0, 0, 0, le=4000), True, True),
        (CommandAPDU(0, 0xB0, 0, 0, le=65536), True, True),
        (CommandAPDU(0, 0xD6, 0, 0, bytes(300)), True, True),
        # Short plain command whose protected answer (256 bytes) cannot fit.
        (CommandAPDU(0, 0x88, 0, 0, bytes(8), le=256), True, True),
        (CommandAPDU(0, 0x88, 0, 0, bytes(8), le=256), False, False),
    ]
    for cmd, allowed, wide in cases:
        wrapped = reader.protect(cmd.encode(), extended=allowed)
        assert is_extended(wrapped) is wide
        assert wrapped[-2 if wide else -1:] == bytes(2 if wide else 1)
        assert chip.unwrap(wrapped) == CommandAPDU(0, cmd.ins, 0, 0,
                                                   cmd.data, cmd.le)
        answer = bytes(range(256)) * 12
        assert reader.unprotect(chip.wrap(answer, 0x9000)) == answer + \
            b"\x90\x00"


def test_protect_refuses_extended_without_permission():
    sm = SecureMessaging(bytes(16), bytes(range(16)), bytes(8))
    with pytest.raises(SecureMessagingError, match="extended length"):
        sm.protect(CommandAPDU(0, 0xB0, 0, 0, le=1000).encode())
    assert sm.ssc == bytes(8)  # nothing was sent, the counter did not move


@pytest.mark.parametrize("block", [8, 16])
def test_protected_length_formula_is_exact(block):
    chip = CardSecureMessaging(bytes(16), bytes(16), bytes(block))
    if block == 16:
        chip = CardSecureMessaging(bytes(32), bytes(32), bytes(16))
    for plain in (0, 1, 7, 8, 100, 223, 231, 232, 256, 1000, 4070):
        wrapped = chip.wrap(bytes(plain), 0x9000)
        assert len(wrapped) - 2 == protected_response_length(plain, block)
    for limit in (256, 1000, EXTENDED_BUFFER - 2, 65536):
        n = max_plain_response(limit, block)
        assert protected_response_length(n, block) <= limit < \
            protected_response_length(n + 1, block)
    # 0xDF fits a short response under both ciphers.
    assert max_plain_response(256, block) >= MAX_READ


# -- capability information ------------------------------------------------

def test_atr_info_and_historical_bytes_are_parsed():
    # EF.ATR/INFO as a real ISO 14443-B card returns it.
    info = parse_atr_info(H("4301F84703F741E07F6608020205F0020205F0"))
    assert info == LengthSupport(True, 0x5F0, 0x5F0, "EF.ATR/INFO")
    assert parse_atr_info(encode_atr_info(False)).extended is False
    assert parse_atr_info(H("4701F0")).extended is None
    assert parse_atr_info(encode_atr_info(True, 4096, 2048) + bytes(8)) == \
        LengthSupport(True, 4096, 2048, "EF.ATR/INFO")
    assert parse_historical_bytes(H("80730000C0")) == H("0000C0")
    # Category 00: COMPACT-TLV objects, then LCS and SW1-SW2.
    assert parse_historical_bytes(H("0031C073000040" "009000")) == \
        H("000040")
    assert parse_historical_bytes(H("4A434F50")) is None  # proprietary
    assert parse_historical_bytes(H("8073")) is None       # truncated


# -- response chaining -----------------------------------------------------

def test_response_chaining_is_bounded():
    def endless(_apdu):
        return b"\x00" * 256 + H("6100")
    with pytest.raises(CardError, match="does not end"):
        transceive_chained(endless, H("00B0000000"))
