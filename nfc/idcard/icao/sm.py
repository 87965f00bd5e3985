"""Secure messaging, reader side (Doc 9303 Part 11, 9.8).

Commands are wrapped into DO'87'/DO'85' (encrypted data), DO'97' (Le) and
DO'8E' (MAC); responses are accepted only when their DO'8E' matches the MAC
over DO'87'/DO'99' under the expected send sequence counter. Data is decrypted
only after the MAC has been verified, and nothing is returned otherwise.

Lengths (Part 11, 9.8.6): DO'97' holds Ne in one byte (``00`` = 256) or, for
Ne above 256, two bytes (``0000`` = 65536). The protected command itself is a
short APDU with Le ``00`` unless its data field exceeds 255 bytes or the
answer cannot fit 256 bytes; then, where the session may use extended
length, it becomes an extended APDU with Le ``0000``.
"""

from __future__ import annotations

from .. import tlv
from ..errors import ParseError, SecureMessagingError, TLVError
from .apdu import EXTENDED_MAX_LE, SHORT_MAX_LC, SHORT_MAX_LE, CommandAPDU
from .crypto import AESSuite, DESSuite, constant_time_equal, pad, unpad

#: DO'99' (4 bytes) and DO'8E' with an 8-byte MAC (10 bytes).
_STATUS_AND_MAC = 4 + 10


def encode_le(le: int) -> bytes:
    """Value of DO'97' for Ne = ``le``: one byte up to 256, else two."""
    if not 1 <= le <= EXTENDED_MAX_LE:
        raise ValueError("Ne must be 1..65536")
    return bytes([le & 0xFF]) if le <= SHORT_MAX_LE else \
        (le & 0xFFFF).to_bytes(2, "big")


def decode_le(value: bytes) -> int:
    """Ne from the value of DO'97' (``00`` = 256, ``0000`` = 65536)."""
    if len(value) == 1:
        return value[0] or SHORT_MAX_LE
    if len(value) == 2:
        return int.from_bytes(value, "big") or EXTENDED_MAX_LE
    raise ValueError("DO'97' must hold one or two bytes")


def protected_response_length(plain: int, block_size: int) -> int:
    """Size of the protected data field that carries ``plain`` bytes.

    DO'87' (padding indicator plus padded cryptogram) when there is data,
    then DO'99' and DO'8E'; the status word is not included. Used to decide
    whether an answer fits a short response before asking for it.
    """
    size = _STATUS_AND_MAC
    if plain:
        value = 1 + (plain // block_size + 1) * block_size
        size += 1 + len(tlv.encode_length(value)) + value
    return size


def max_plain_response(limit: int, block_size: int) -> int:
    """Largest plain length whose protected data field fits ``limit`` bytes.

    Returns 0 when not even an empty protected answer fits.
    """
    low, high = 0, max(0, limit)
    if protected_response_length(0, block_size) > limit:
        return 0
    while low < high:  # protected_response_length grows with ``plain``
        middle = (low + high + 1) // 2
        if protected_response_length(middle, block_size) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def make_suite(ks_enc: bytes, ks_mac: bytes, algorithm: str):
    """Return the cipher suite object for ``algorithm`` ("3DES" or "AES")."""
    if algorithm == "3DES":
        return DESSuite(ks_enc, ks_mac)
    if algorithm == "AES":
        return AESSuite(ks_enc, ks_mac)
    raise ValueError(f"unknown secure messaging algorithm {algorithm!r}")


def spans(body: bytes) -> list[tuple[int, bytes, bytes]]:
    """Decode top-level TLVs keeping their raw encoding for MAC input.

    Returns ``(tag, value, raw_bytes)`` per object; the MAC covers the bytes
    exactly as received, so re-encoding could hide a non-minimal length.
    """
    out = []
    offset = 0
    while offset < len(body):
        tag, pos, length = tlv.read_header(body, offset)
        out.append((tag, body[pos:pos + length], body[offset:pos + length]))
        offset = pos + length
    return out


class SecureMessaging:
    """Reader-side secure messaging session.

    ``ssc`` is the send sequence counter as established by BAC (8 bytes) or
    PACE with AES (16 bytes). The counter is incremented before protecting a
    command and before verifying a response, as Part 11 prescribes.
    """

    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: bytes,
                 algorithm: str | None = None) -> None:
        if algorithm is None:
            # BAC always yields 3DES with an 8-byte SSC; AES SSCs are 16 bytes.
            algorithm = "AES" if len(ssc) == 16 else "3DES"
        self.suite = make_suite(ks_enc, ks_mac, algorithm)
        if len(ssc) != self.suite.block_size:
            raise ValueError("SSC length must equal the cipher block size")
        self._ssc = int.from_bytes(ssc, "big")
        self._broken = False

    @property
    def ssc(self) -> bytes:
        """Current send sequence counter."""
        return self._ssc.to_bytes(self.suite.block_size, "big")

    def _next_ssc(self) -> bytes:
        self._ssc = (self._ssc + 1) % (1 << (8 * self.suite.block_size))
        return self.ssc

    def protect(self, command_apdu: bytes, *, extended: bool = False
                ) -> bytes:
        """Wrap a plain command APDU into a protected one.

        ``extended`` says the chip and the transport accept extended-length
        APDUs. Without it a command whose protected form needs them is
        refused here rather than sent to a chip that would reject it; the
        plain command may itself be extended-encoded to force the form.
        """
        if self._broken:
            raise SecureMessagingError("secure messaging session was aborted")
        try:
            cmd = CommandAPDU.decode(command_apdu)
        except ParseError as exc:
            raise SecureMessagingError(f"cannot protect: {exc}") from exc
        if cmd.cla & 0x0C:
            raise SecureMessagingError("command is already protected")
        bs = self.suite.block_size
        cla = cmd.cla | 0x0C
        ssc = self._next_ssc()
        objects = b""
        if cmd.data:
            cipher = self.suite.encrypt(ssc, pad(cmd.data, bs))
            # Odd INS bytes carry BER-TLV data and use DO'85' without the
            # padding-content indicator (Part 11, 9.8.6.1).
            objects += (tlv.encode(0x85, cipher) if cmd.ins & 1
                        else tlv.encode(0x87, b"\x01" + cipher))
        if cmd.le is not None:
            objects += tlv.encode(0x97, encode_le(cmd.le))
        header = pad(bytes([cla, cmd.ins, cmd.p1, cmd.p2]), bs)
        mac = self.suite.mac(pad(ssc + header + objects, bs))
        body = objects + tlv.encode(0x8E, mac)
        needs = (cmd.extended or len(body) > SHORT_MAX_LC
                 or (cmd.le is not None and cmd.le > SHORT_MAX_LE))
        if needs and not extended:
            # Nothing was sent: give the counter back so the session goes on.
            self._ssc = (self._ssc - 1) % (1 << (8 * bs))
            raise SecureMessagingError(
                "protected command needs extended length, which this chip "
                "or transport does not support")
        wide = needs or (extended and cmd.le is not None and
                         protected_response_length(cmd.le, bs) > SHORT_MAX_LE)
        return CommandAPDU(cla, cmd.ins, cmd.p1, cmd.p2, body,
                           le=EXTENDED_MAX_LE if wide else SHORT_MAX_LE,
                           extended=wide).encode()

    def unprotect(self, response_apdu: bytes) -> bytes:
        """Verify and decrypt a protected response.

        Returns the plain data followed by the status word from DO'99'.
        Raises :class:`SecureMessagingError` on any deviation; the session
        is then unusable, as the chip also drops it.
        """
        if self._broken:
            raise SecureMessagingError("secure messaging session was aborted")
        try:
            return self._unprotect(bytes(response_apdu))
        except SecureMessagingError:
            self._broken = True
            raise

    def _unprotect(self, response: bytes) -> bytes:
        ssc = self._next_ssc()
        if len(response) < 2:
            raise SecureMessagingError("response shorter than a status word")
        body, outer_sw = response[:-2], response[-2:]
        if not body:
            raise SecureMessagingError(
                f"card answered {outer_sw.hex().upper()} without secure "
                "messaging (it rejected the protected command)")
        try:
            objects = spans(body)
        except TLVError as exc:
            raise SecureMessagingError(
                f"malformed protected response: {exc}") from exc
        tags = [tag for tag, _, _ in objects]
        if tags not in ([0x99, 0x8E], [0x87, 0x99, 0x8E], [0x85, 0x99, 0x8E]):
            raise SecureMessagingError(
                "protected response must be [DO'87'] DO'99' DO'8E', got "
                + " ".join(f"{t:02X}" for t in tags))
        mac = objects[-1][1]
        covered = b"".join(raw for _, _, raw in objects[:-1])
        bs = self.suite.block_size
        expected = self.suite.mac(pad(ssc + covered, bs))
        if len(mac) != 8 or not constant_time_equal(mac, expected):
            raise SecureMessagingError(
                "response MAC is wrong (bad session key or send sequence "
                "counter)")
        status = objects[-2][1]
        if len(status) != 2:
            raise SecureMessagingError("DO'99' must hold two status bytes")
        data = b""
        if len(objects) == 3:
            tag, value, _ = objects[0]
            if tag == 0x87:
                if not value or value[0] != 0x01:
                    raise SecureMessagingError("DO'87' padding indicator != 01")
                value = value[1:]
            if not value or len(value) % bs:
                raise SecureMessagingError("encrypted data length is invalid")
            data = unpad(self.suite.decrypt(ssc, value))
        return data + status
