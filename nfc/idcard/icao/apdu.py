"""Short command APDUs (ISO/IEC 7816-4) and status words.

nfcpy 1.0.4 has no extended-length APDUs, so only the short form is built
and accepted here; anything else is rejected rather than misread.
"""

from __future__ import annotations

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
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_UNKNOWN = 0x6F00

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
    SW_WRONG_P1P2: "wrong parameters P1-P2 (offset outside the file)",
    SW_INS_NOT_SUPPORTED: "instruction not supported",
    SW_CLA_NOT_SUPPORTED: "class not supported",
    SW_UNKNOWN: "no precise diagnosis",
}


def status_message(sw: int) -> str:
    """Human readable meaning of a status word."""
    return _MESSAGES.get(sw, "unknown status")


@dataclass(frozen=True)
class CommandAPDU:
    """A short command APDU. ``le`` is None (absent) or 1..256."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def encode(self) -> bytes:
        """Serialize to bytes (short form only)."""
        if len(self.data) > 255:
            raise ParseError("command data longer than 255 bytes")
        if self.le is not None and not 1 <= self.le <= 256:
            raise ParseError("Le must be 1..256")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + bytes(self.data)
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out

    @classmethod
    def decode(cls, raw: bytes) -> CommandAPDU:
        """Parse a short APDU of case 1, 2, 3 or 4."""
        raw = bytes(raw)
        if len(raw) < 4:
            raise ParseError("command APDU shorter than 4 bytes")
        head = raw[:4]
        if len(raw) == 4:
            return cls(*head)
        if len(raw) == 5:
            return cls(*head, le=raw[4] or 256)
        lc = raw[4]
        if lc == 0:
            raise ParseError("extended-length APDUs are not supported")
        if len(raw) == 5 + lc:
            return cls(*head, data=raw[5:])
        if len(raw) == 6 + lc:
            return cls(*head, data=raw[5:5 + lc], le=raw[-1] or 256)
        raise ParseError("command APDU length does not match Lc")


def split_response(response: bytes) -> tuple[bytes, int]:
    """Split a response APDU into data and status word."""
    response = bytes(response)
    if len(response) < 2:
        raise ParseError("response APDU shorter than the status word")
    return response[:-2], int.from_bytes(response[-2:], "big")


def raise_for_status(sw: int, what: str) -> None:
    """Raise CardError (or AccessDeniedError) unless ``sw`` is a success."""
    if sw in (SW_OK, SW_END_OF_FILE):
        return
    cls = AccessDeniedError if sw in (0x6300, SW_SECURITY_NOT_SATISFIED) \
        else CardError
    raise cls(f"{what} failed: {sw:04X} ({status_message(sw)})", sw)
