"""Which APDU lengths a reader and a chip accept (ISO/IEC 7816-4).

A chip states extended-length support in its *card capabilities* (third
software function byte, bit b7 "extended Lc and Le fields"; bit b6 says
that EF.ATR/INFO holds the limits), found in the historical bytes of the
ATR/ATS or as DO'47' in EF.ATR/INFO (file 2F01 in the master file). DO'7F66'
in EF.ATR/INFO gives the largest command and response APDU in bytes.

:func:`detect_before_access` looks at these in order of cost: what the
transport says about itself (free), the historical bytes (free, when the
transport has them), then EF.ATR/INFO (two plain APDUs, before the eMRTD
application is selected because the file lives in the MF). When none of
them answers, the reader probes after access control instead
(:meth:`idcard.icao.reader.ChipReader`), because that is the only other way
to know and it can cost the secure messaging session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import tlv
from ..errors import ParseError, TLVError
from .apdu import CommandAPDU, split_response

FID_ATR_INFO = 0x2F01
TAG_CARD_CAPABILITIES = 0x47
TAG_EXTENDED_LENGTH_INFO = 0x7F66
#: Third software function byte of the card capabilities.
CAP_EXTENDED_LENGTH = 0x40   # b7: extended Lc and Le fields
CAP_LENGTH_INFO = 0x20       # b6: extended length information in EF.ATR/INFO
CAP_COMMAND_CHAINING = 0x80  # b8: command chaining
#: Status words with which chips refuse an APDU form they do not parse:
#: wrong length (6700), INS (6D00) or CLA (6E00) not supported, incorrect
#: P1-P2 (6A86).
REFUSALS = frozenset({0x6700, 0x6D00, 0x6E00, 0x6A86})


@dataclass(frozen=True)
class LengthSupport:
    """What is known about extended-length APDUs on one link.

    ``extended`` is None while nothing has said yes or no. The limits count
    whole APDUs in bytes (a response includes its status word), as DO'7F66'
    does; None means "not stated".
    """

    extended: bool | None
    max_command: int | None = None
    max_response: int | None = None
    source: str = ""


def capabilities_extended(value: bytes) -> bool | None:
    """Extended-length bit of a card capabilities value (1 to 3 bytes)."""
    if len(value) < 3:
        return None  # the third byte, which holds the bit, is absent
    return bool(value[2] & CAP_EXTENDED_LENGTH)


def parse_historical_bytes(historical: bytes | None) -> bytes | None:
    """Card capabilities from ATR/ATS historical bytes, if stated.

    Only the interindustry formats carry COMPACT-TLV objects: category
    indicator ``80`` (objects only) and ``00`` (objects, then a three-byte
    status indicator). Card capabilities use compact tag 7.
    """
    if not historical or historical[0] not in (0x00, 0x80):
        return None
    body = historical[1:-3] if historical[0] == 0x00 else historical[1:]
    offset = 0
    while offset < len(body):
        tag, length = body[offset] >> 4, body[offset] & 0x0F
        value = body[offset + 1:offset + 1 + length]
        if len(value) < length:
            return None
        if tag == 0x7:
            return bytes(value)
        offset += 1 + length
    return None


def parse_atr_info(data: bytes) -> LengthSupport:
    """Read card capabilities (DO'47') and DO'7F66' from EF.ATR/INFO.

    DO'7F66' holds two INTEGERs: the largest command APDU and the largest
    response APDU, in bytes. Its presence alone announces extended length.
    Unknown or malformed objects are skipped: the file is a hint, and a
    wrong hint only costs speed, never correctness.
    """
    extended: bool | None = None
    limits: list[int] = []
    for obj in _objects(bytes(data)):
        if obj.tag == TAG_CARD_CAPABILITIES and extended is None:
            extended = capabilities_extended(obj.value)
        elif obj.tag == TAG_EXTENDED_LENGTH_INFO:
            try:
                limits = [int.from_bytes(item.value, "big")
                          for item in tlv.decode_all(obj.value)
                          if item.tag == 0x02 and 0 < len(item.value) <= 4]
            except TLVError:
                limits = []
            if len(limits) >= 2:
                extended = True
    if extended and len(limits) >= 2:
        return LengthSupport(True, limits[0], limits[1], "EF.ATR/INFO")
    return LengthSupport(extended, source="EF.ATR/INFO")


def _objects(data: bytes) -> list[tlv.TLV]:
    """Top-level objects up to the first padding byte or malformed one."""
    out, offset = [], 0
    while offset < len(data) and data[offset] not in (0x00, 0xFF):
        try:
            tag, pos, length = tlv.read_header(data, offset)
        except TLVError:
            break
        out.append(tlv.TLV(tag, data[pos:pos + length]))
        offset = pos + length
    return out


def encode_atr_info(extended: bool, max_command: int = 0,
                    max_response: int = 0) -> bytes:
    """Build an EF.ATR/INFO (used to personalize the software card)."""
    third = (CAP_COMMAND_CHAINING | CAP_EXTENDED_LENGTH | CAP_LENGTH_INFO
             if extended else 0)
    out = tlv.encode(TAG_CARD_CAPABILITIES, bytes([0x00, 0x00, third]))
    if extended:
        out += tlv.encode(TAG_EXTENDED_LENGTH_INFO,
                          tlv.encode(0x02, max_command.to_bytes(2, "big")) +
                          tlv.encode(0x02, max_response.to_bytes(2, "big")))
    return out


def read_atr_info(transceive: Callable[[bytes], bytes]) -> bytes | None:
    """EF.ATR/INFO read in plain, or None when the chip has none.

    SELECT by file identifier rather than READ BINARY by short EF
    identifier: some chips hold the file without an SFI.
    """
    try:
        _, sw = split_response(transceive(CommandAPDU(
            0x00, 0xA4, 0x02, 0x0C, FID_ATR_INFO.to_bytes(2, "big")).encode()))
        if sw != 0x9000:
            return None
        data, sw = split_response(transceive(CommandAPDU(
            0x00, 0xB0, 0x00, 0x00, le=256).encode()))
    except ParseError:
        return None
    return data if sw in (0x9000, 0x6282) and data else None


def detect_before_access(transport, transceive: Callable[[bytes], bytes]
                         ) -> LengthSupport:
    """Decide what can be decided before access control.

    ``transport.extended_length`` must be True for anything but short
    APDUs: a reader or driver that does not say it carries extended APDUs
    may truncate or drop them, and the chip's support is then worthless.
    """
    if getattr(transport, "extended_length", None) is not True:
        return LengthSupport(False, source="transport carries short APDUs "
                                           "only")
    caps = parse_historical_bytes(getattr(transport, "historical_bytes", None))
    stated = capabilities_extended(caps) if caps else None
    if stated is False:
        return LengthSupport(False, source="historical bytes")
    if stated and not caps[2] & CAP_LENGTH_INFO:
        return LengthSupport(True, source="historical bytes")
    raw = read_atr_info(transceive)
    info = parse_atr_info(raw) if raw else LengthSupport(None)
    if stated:  # historical bytes said yes and pointed at EF.ATR/INFO
        return LengthSupport(True, info.max_command, info.max_response,
                             "historical bytes, EF.ATR/INFO")
    return info


def probe_extended(sm, exchange: Callable[[bytes], bytes], sfi: int
                   ) -> tuple[LengthSupport, bool]:
    """Send one protected extended READ BINARY and judge the answer.

    The command reads four bytes of the EF with short identifier ``sfi``
    (EF.COM), encoded in the extended form although the lengths would fit
    the short one: only the form is tested, so no chip limit or file size
    can be the reason for a refusal. Returns the verdict and whether the
    secure messaging session is lost (the chip answered without it, as a
    short-only chip that cannot parse the command does; it may also have
    dropped the session, and the send sequence counters no longer match).
    Only a successful answer proves support; any other status keeps the
    reader on short APDUs, which is slower but always works.
    """
    probe = CommandAPDU(0x00, 0xB0, 0x80 | (sfi & 0x1F), 0x00, le=4,
                        extended=True)
    response = exchange(sm.protect(probe.encode(), extended=True))
    if len(response) <= 2:
        sw = response.hex().upper() or "nothing"
        return LengthSupport(False, source=f"probe refused ({sw})"), True
    _, sw_value = split_response(sm.unprotect(response))
    if sw_value in (0x9000, 0x6282):
        return LengthSupport(True, source="probe"), False
    verdict = "refused" if sw_value in REFUSALS else "inconclusive"
    return LengthSupport(False, source=f"probe {verdict} ({sw_value:04X})"), \
        False
