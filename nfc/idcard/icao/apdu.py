"""Command APDUs (ISO/IEC 7816-4, 5.1), status words and response chaining.

Both length forms are built and parsed:

* short: Lc is one byte (1..255), Le is one byte (``00`` means 256);
* extended: Lc is three bytes (``00`` then 1..65535), Le is two bytes after
  an extended Lc or three bytes (``00`` then two) without one, and ``0000``
  means 65536.

:meth:`CommandAPDU.encode` picks the short form whenever the lengths fit, so
a chip that only understands short APDUs never sees an extended one unless
the caller asks for it (``extended=True``, used to probe a chip).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import AccessDeniedError, CardError, ParseError

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_SM_DATA_MISSING = 0x6987
SW_SM_DATA_INCORRECT = 0x6988
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_DATA = 0x6A80
SW_FILE_NOT_FOUND = 0x6A82
SW_INCORRECT_P1P2 = 0x6A86
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_UNKNOWN = 0x6F00
#: SW1 of "SW2 more bytes are available" (response chaining, 7816-4 5.3.4).
SW1_BYTES_REMAINING = 0x61
#: SW1 of "wrong Le field; SW2 is the exact number of available bytes".
SW1_WRONG_LE = 0x6C
INS_GET_RESPONSE = 0xC0

SHORT_MAX_LC = 255
SHORT_MAX_LE = 256
EXTENDED_MAX_LC = 65535
EXTENDED_MAX_LE = 65536
#: Upper bound on GET RESPONSE rounds: 65536 bytes in 256-byte pieces plus
#: one, so a chip that keeps answering 61XX cannot keep the reader forever.
MAX_CHAINED_PIECES = 257

_MESSAGES = {
    SW_OK: "success",
    SW_END_OF_FILE: "end of file reached before Le bytes",
    SW_WRONG_LENGTH: "wrong length",
    0x6300: "authentication failed",
    SW_SECURITY_NOT_SATISFIED: "security status not satisfied",
    SW_CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied",
    SW_SM_DATA_MISSING: "expected secure messaging data objects missing",
    SW_SM_DATA_INCORRECT: "secure messaging data objects incorrect",
    SW_WRONG_DATA: "incorrect parameters in the data field",
    SW_FILE_NOT_FOUND: "file or application not found",
    SW_INCORRECT_P1P2: "incorrect parameters P1-P2",
    SW_WRONG_P1P2: "wrong parameters P1-P2 (offset outside the file)",
    SW_INS_NOT_SUPPORTED: "instruction not supported",
    SW_CLA_NOT_SUPPORTED: "class not supported",
    SW_UNKNOWN: "no precise diagnosis",
}


def status_message(sw: int) -> str:
    """Human readable meaning of a status word."""
    if sw >> 8 == SW1_BYTES_REMAINING:
        return f"{(sw & 0xFF) or 256} more bytes available (GET RESPONSE)"
    if sw >> 8 == SW1_WRONG_LE:
        return f"wrong Le, {(sw & 0xFF) or 256} bytes available"
    return _MESSAGES.get(sw, "unknown status")


def is_extended(raw: bytes) -> bool:
    """True when ``raw`` uses the extended length form.

    A short APDU never has ``00`` in its fifth byte when more bytes follow
    (a short Lc is 1..255), so that byte alone tells the forms apart.
    """
    return len(raw) >= 7 and raw[4] == 0


@dataclass(frozen=True)
class CommandAPDU:
    """A command APDU. ``le`` is None (absent) or 1..65536.

    ``extended`` forces the extended form even when the lengths would fit
    the short one; :meth:`decode` sets it when the wire form was extended,
    so a card can tell (and refuse) what it was sent.
    """

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    extended: bool = False

    @property
    def needs_extended(self) -> bool:
        """True when this command cannot be sent as a short APDU."""
        return (self.extended or len(self.data) > SHORT_MAX_LC
                or (self.le is not None and self.le > SHORT_MAX_LE))

    def encode(self) -> bytes:
        """Serialize, in the short form whenever it fits."""
        if len(self.data) > EXTENDED_MAX_LC:
            raise ParseError("command data longer than 65535 bytes")
        if self.le is not None and not 1 <= self.le <= EXTENDED_MAX_LE:
            raise ParseError("Le must be 1..65536")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if not self.needs_extended:
            if self.data:
                out += bytes([len(self.data)]) + bytes(self.data)
            if self.le is not None:
                out += bytes([self.le & 0xFF])
            return out
        if self.data:
            out += b"\x00" + len(self.data).to_bytes(2, "big") + \
                bytes(self.data)
        if self.le is not None:
            # Le is two bytes after an extended Lc, three without one.
            out += (b"" if self.data else b"\x00") + \
                (self.le & 0xFFFF).to_bytes(2, "big")
        if not self.data and self.le is None:
            raise ParseError("a case 1 APDU has no extended form")
        return out

    @classmethod
    def decode(cls, raw: bytes) -> CommandAPDU:
        """Parse a short or extended APDU of case 1, 2, 3 or 4."""
        raw = bytes(raw)
        if len(raw) < 4:
            raise ParseError("command APDU shorter than 4 bytes")
        head = raw[:4]
        if len(raw) == 4:
            return cls(*head)
        if len(raw) == 5:
            return cls(*head, le=raw[4] or 256)
        if raw[4]:
            lc = raw[4]
            if len(raw) == 5 + lc:
                return cls(*head, data=raw[5:])
            if len(raw) == 6 + lc:
                return cls(*head, data=raw[5:5 + lc], le=raw[-1] or 256)
            raise ParseError("command APDU length does not match Lc")
        if len(raw) < 7:
            raise ParseError("extended length field is truncated")
        value = int.from_bytes(raw[5:7], "big")
        if len(raw) == 7:
            return cls(*head, le=value or 65536, extended=True)
        if value == 0:
            raise ParseError("extended Lc must not be 0")
        if len(raw) == 7 + value:
            return cls(*head, data=raw[7:], extended=True)
        if len(raw) == 9 + value:
            le = int.from_bytes(raw[-2:], "big") or 65536
            return cls(*head, data=raw[7:7 + value], le=le, extended=True)
        raise ParseError("command APDU length does not match extended Lc")


def split_response(response: bytes) -> tuple[bytes, int]:
    """Split a response APDU into data and status word."""
    response = bytes(response)
    if len(response) < 2:
        raise ParseError("response APDU shorter than the status word")
    return response[:-2], int.from_bytes(response[-2:], "big")


def transceive_chained(transceive: Callable[[bytes], bytes],
                       apdu: bytes) -> bytes:
    """Send ``apdu`` and collect a chained answer (ISO 7816-4, 5.3.4).

    A chip that cannot return its whole answer at once sends a first part
    with SW 61XX; GET RESPONSE (``00 C0 00 00 XX``) fetches up to XX more
    bytes (``00`` = 256) until a final status word arrives. The pieces are
    joined below secure messaging: the joined bytes are the one protected
    response the chip built, so GET RESPONSE itself is sent unprotected and
    does not count in the send sequence counter.
    """
    response = bytes(transceive(apdu))
    if len(response) < 2 or response[-2] != SW1_BYTES_REMAINING:
        return response
    collected = bytearray()
    for _ in range(MAX_CHAINED_PIECES):
        collected += response[:-2]
        if len(response) < 2 or response[-2] != SW1_BYTES_REMAINING:
            return bytes(collected) + response[-2:]
        if len(collected) > EXTENDED_MAX_LE + 32:
            break
        response = bytes(transceive(CommandAPDU(
            0x00, INS_GET_RESPONSE, 0x00, 0x00,
            le=response[-1] or 256).encode()))
        if len(response) < 2:
            return response
    raise CardError("chip keeps answering 61XX: response chaining does not "
                    "end", SW_UNKNOWN)


def raise_for_status(sw: int, what: str) -> None:
    """Raise CardError (or AccessDeniedError) unless ``sw`` is a success."""
    if sw in (SW_OK, SW_END_OF_FILE):
        return
    cls = AccessDeniedError if sw in (0x6300, SW_SECURITY_NOT_SATISFIED) \
        else CardError
    raise cls(f"{what} failed: {sw:04X} ({status_message(sw)})", sw)
