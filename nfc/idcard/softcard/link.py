"""APDU lengths on the software card: which forms it parses, how answers leave.

A short-only chip (``extended_length=False``) cannot parse an extended APDU:
its fifth byte ``00`` is no valid short Lc (1..255), so it answers 6700
"wrong length" (ISO/IEC 7816-4, 5.1 and 5.6, the usual answer of real
short-only eMRTD chips) and, being unable to check the command's MAC,
drops secure messaging. It never returns more than Ne data bytes, and Ne
of a short command is at most 256.

An answer longer than Ne either leaves in pieces (``response_chaining``:
first part with SW 61XX, the rest on GET RESPONSE, ISO/IEC 7816-4, 5.3.4)
or is replaced by 6700, which is all a short-only chip without chaining can
say. An extended card also has an I/O buffer (:data:`EXTENDED_BUFFER`)
announced in its EF.ATR/INFO; it enforces that limit the same way.
"""

from __future__ import annotations

from ..errors import ParseError
from ..icao import apdu as sw
from ..icao.apdu import SHORT_MAX_LE, CommandAPDU, is_extended

#: Largest command and response APDU of the extended software card, in
#: bytes (status word included), as stated in its DO'7F66'.
EXTENDED_BUFFER = 0x1000
#: A short response APDU: 256 data bytes plus the status word.
SHORT_BUFFER = SHORT_MAX_LE + 2


class CardLink:
    """Length handling of one software chip (state: a pending chained
    answer, kept until the next command that is not GET RESPONSE)."""

    def __init__(self, extended_length: bool = False,
                 response_chaining: bool = False) -> None:
        self.extended_length = extended_length
        self.response_chaining = response_chaining
        self.buffer = EXTENDED_BUFFER if extended_length else SHORT_BUFFER
        self._pending: tuple[bytes, bytes] | None = None

    def reset(self) -> None:
        """Forget a pending chained answer (power cycle)."""
        self._pending = None

    def refuses(self, raw: bytes) -> bool:
        """True when this chip cannot parse ``raw`` (extended on short-only)."""
        return is_extended(raw) and not self.extended_length

    def data_limit(self, ne: int | None) -> int:
        """Most data bytes one response may carry for a command with ``ne``."""
        return min(ne or 0, self.buffer - 2)

    def fits(self, data_length: int, ne: int | None) -> bool:
        """Whether ``data_length`` bytes can be answered, in one response or
        chained."""
        return data_length <= self.data_limit(ne) or (
            self.response_chaining and data_length <= sw.EXTENDED_MAX_LE)

    def deliver(self, response: bytes, ne: int | None) -> bytes:
        """Send ``response`` whole, or its first part with 61XX."""
        limit = self.data_limit(ne)
        data, status = response[:-2], response[-2:]
        if len(data) <= limit:
            return response
        if not self.response_chaining or limit == 0:
            return sw.SW_WRONG_LENGTH.to_bytes(2, "big")
        self._pending = (data[limit:], status)
        return data[:limit] + self._remaining()

    def _remaining(self) -> bytes:
        left = len(self._pending[0]) if self._pending else 0
        return bytes([sw.SW1_BYTES_REMAINING, min(left, 256) & 0xFF])

    def get_response(self, raw: bytes) -> bytes:
        """Answer GET RESPONSE from the pending chained answer.

        GET RESPONSE carries no secure messaging of its own: the pieces are
        parts of one already protected response.
        """
        pending, self._pending = self._pending, None
        try:
            cmd = CommandAPDU.decode(raw)
        except ParseError:
            return sw.SW_WRONG_LENGTH.to_bytes(2, "big")
        if pending is None:
            return sw.SW_CONDITIONS_NOT_SATISFIED.to_bytes(2, "big")
        if cmd.p1 or cmd.p2 or cmd.le is None:
            self._pending = pending
            return sw.SW_INCORRECT_P1P2.to_bytes(2, "big") if cmd.p1 or \
                cmd.p2 else sw.SW_WRONG_LENGTH.to_bytes(2, "big")
        data, status = pending
        piece = data[:min(cmd.le, self.buffer - 2)]
        if len(piece) == len(data):
            return piece + status
        self._pending = (data[len(piece):], status)
        return piece + self._remaining()

    def is_get_response(self, raw: bytes) -> bool:
        """GET RESPONSE in plain (CLA without the SM bits)."""
        return len(raw) >= 4 and raw[1] == sw.INS_GET_RESPONSE and \
            not raw[0] & 0x0C

    def clear(self) -> None:
        """Any other command ends the chain (ISO 7816-4, 5.3.4)."""
        self._pending = None
