"""Read an eMRTD over any transport: PACE or BAC, chip authentication,
files, active authentication.

Only reading happens here; checking what was read is the job of
:mod:`idcard.verification`, which must work the same on files that a phone
app uploads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .. import tlv
from ..errors import CardError, FileTooLargeError, LDSError, ParseError, SecureMessagingError, TLVError
from ..transport import CountingTransport, Transport
from .access import AccessResult, establish_access
from .apdu import (
    EXTENDED_MAX_LE,
    SHORT_MAX_LE,
    SW1_WRONG_LE,
    SW_END_OF_FILE,
    SW_OK,
    SW_WRONG_LENGTH,
    CommandAPDU,
    raise_for_status,
    split_response,
    transceive_chained,
)
from .ca import CAResult, ca_options, dg14_security_infos, perform_chip_authentication
from .ca_transcript import CATranscript
from .lds import FID_COM, FID_SOD, EFCom, FaceImage, dg_fid, parse_com, parse_dg1, parse_dg2
from .lengths import LengthSupport, detect_before_access, probe_extended
from .mrz import MRZ
from .sm import SecureMessaging, max_plain_response

#: Largest plain chunk per protected READ BINARY: with padding, DO'87',
#: DO'99' and DO'8E' the response still fits a short APDU (Le = 256).
MAX_READ = 0xDF
#: Response size assumed (status word included) when a chip supports
#: extended length without stating its limit in DO'7F66'. Deliberately
#: below what chips commonly state (1520 bytes and up); it still needs
#: about five times fewer READ BINARY commands than short APDUs.
DEFAULT_EXTENDED_RESPONSE = 0x0400
#: Cap on ``max_read`` (plain bytes per READ BINARY).
MAX_EXTENDED_READ = 0xFF00
#: Largest offset that even-INS READ BINARY can address (15 bits).
MAX_EVEN_OFFSET = 0x7FFF
#: Refuse files above this size; no LDS1 file comes close.
MAX_FILE_SIZE = 256 * 1024
DEFAULT_GROUPS = (1, 2, 11, 14, 15)


@dataclass
class ChipReadResult:
    """Raw files read from the chip plus what the reader learned."""

    files: dict[str, bytes]
    com: EFCom
    aa_challenge: bytes | None = None
    aa_response: bytes | None = None
    simulated: bool = False
    apdu_count: int = 0
    notes: list[str] = field(default_factory=list)
    #: Whether extended-length APDUs were used, and what decided it.
    extended_length: bool = False
    length_source: str = ""
    #: "PACE" or "BAC", and what exactly ran (protocol, domain, password).
    access_protocol: str = "BAC"
    access_details: str = ""
    #: EF.CardAccess as read in plain from the MF (not part of ``files``:
    #: it is not covered by EF.SOD), None when the chip has none.
    card_access: bytes | None = None
    #: Chip Authentication transcript for the verifier, when CA ran.
    ca_transcript: CATranscript | None = None

    def data_group(self, number: int) -> bytes | None:
        """Raw bytes of DG ``number``, if it was read."""
        return self.files.get(f"DG{number}")

    @property
    def mrz(self) -> MRZ:
        """The MRZ from DG1 (unverified until passive authentication)."""
        return parse_dg1(self.files["DG1"])

    @property
    def face_images(self) -> list[FaceImage]:
        """Facial images from DG2 (unverified until passive
        authentication)."""
        return parse_dg2(self.files["DG2"]) if "DG2" in self.files else []


class ChipReader:
    """Reads the LDS1 eMRTD application through a :class:`Transport`.

    ``extended_length``: True uses extended-length APDUs without asking,
    False never does, None (default) detects during :meth:`read`: the
    transport must say it carries them (``transport.extended_length``),
    then the chip's card capabilities in the historical bytes or EF.ATR/INFO
    decide, and only when the chip states nothing does one protected
    extended READ BINARY probe it (a refusal falls back to short APDUs and
    re-runs access control). Stated information comes first because a
    probe can cost the session on a short-only chip. ``max_read`` caps the
    plain bytes per READ BINARY (default: what fits the chosen APDU form).
    Answers chained with SW 61XX are joined in every mode.
    """

    def __init__(self, transport: Transport, *, max_read: int | None = None,
                 extended_length: bool | None = None,
                 rng=os.urandom) -> None:
        if max_read is not None and not 1 <= max_read <= MAX_EXTENDED_READ:
            raise ValueError(f"max_read must be 1..{MAX_EXTENDED_READ:#x}")
        self.transport = CountingTransport(transport)
        self.max_read = max_read
        self.extended_length = extended_length
        self.length = LengthSupport(
            bool(extended_length),
            source="option" if extended_length is not None else "not probed")
        self.rng = rng
        self.sm: SecureMessaging | None = None
        self.access: AccessResult | None = None
        self.chip_authentication: CAResult | None = None

    @property
    def extended(self) -> bool:
        """True when commands may use extended-length APDUs."""
        return bool(self.length.extended)

    def _exchange(self, apdu: bytes) -> bytes:
        return transceive_chained(self.transport.transceive, apdu)

    def _plain(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        return split_response(self._exchange(cmd.encode()))

    def _protected(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if self.sm is None:
            raise SecureMessagingError("no secure messaging session")
        wrapped = self.sm.protect(cmd.encode(), extended=self.extended)
        return split_response(self.sm.unprotect(self._exchange(wrapped)))

    def _chunk_limit(self) -> int:
        """Plain bytes per READ BINARY for the APDU form in use."""
        chunk = MAX_READ
        if self.extended and self.sm is not None:
            limit = self.length.max_response or DEFAULT_EXTENDED_RESPONSE
            chunk = min(MAX_EXTENDED_READ, max(MAX_READ, max_plain_response(
                min(limit, EXTENDED_MAX_LE) - 2, self.sm.suite.block_size)))
        return min(chunk, self.max_read or chunk)

    def _open_detecting_length(self, opener) -> None:
        """Run ``opener`` (select + access control) and settle the length.

        The stated sources are read first, in plain and in the MF; the probe
        needs the secure channel and therefore runs after ``opener``, which
        is called again when the probe cost the session.
        """
        if self.extended_length is None:
            self.length = detect_before_access(self.transport, self._exchange)
        opener()
        if self.length.extended is None and self.sm is not None:
            self.length, lost = probe_extended(self.sm, self._exchange,
                                               FID_COM)
            if lost:
                opener()

    def open(self, mrz_information: str | None = None, *,
             can: str | None = None) -> None:
        """Run access control and select the eMRTD application.

        PACE when EF.CardAccess offers it (with ``can`` if given, else the
        MRZ information), BAC otherwise or when PACE fails with a status
        word; see :mod:`idcard.icao.access`. BAC needs the MRZ information.
        """
        self.access = establish_access(
            self._plain, self._exchange, self.transport.transceive,
            mrz_information, can, rng=self.rng)
        self.sm = self.access.sm
        self.chip_authentication = None

    def run_chip_authentication(self, dg14: bytes, notes: list[str]
                                ) -> CAResult | None:
        """Run Chip Authentication with the best option DG14 offers and
        switch secure messaging to its keys.

        Returns None (with a note) when DG14 offers none this reader runs
        or the chip refuses with a status word; the old session then goes
        on. A chip that accepts but cannot answer under the new keys makes
        the next command fail, as it should.
        """
        try:
            options = ca_options(dg14_security_infos(dg14))
        except ParseError as exc:
            notes.append(f"chip authentication: DG14 cannot be read ({exc})")
            return None
        if not options:
            return None
        try:
            result = perform_chip_authentication(self._protected, options[0],
                                                 rng=self.rng)
        except (CardError, ParseError) as exc:
            notes.append(f"chip authentication: {exc}")
            return None
        self.sm = result.sm
        self.chip_authentication = result
        return result

    def read_file(self, fid: int) -> bytes:
        """Select file ``fid`` and read it completely (chunked)."""
        _, sw = self._protected(CommandAPDU(0x00, 0xA4, 0x02, 0x0C,
                                            fid.to_bytes(2, "big")))
        raise_for_status(sw, f"SELECT file {fid:04X}")
        head = self._read_chunk(0, 4)
        if len(head) < 2:
            raise LDSError(f"file {fid:04X} is too short")
        try:
            size = tlv.total_length(head)
        except TLVError as exc:
            raise LDSError(f"file {fid:04X}: {exc}") from exc
        if size > MAX_FILE_SIZE:
            raise FileTooLargeError(f"file {fid:04X} declares {size} bytes")
        data = bytearray(head[:size])
        while len(data) < size:
            chunk = self._read_chunk(len(data), min(self._chunk_limit(),
                                                    size - len(data)))
            if not chunk:
                raise LDSError(f"file {fid:04X} ended after {len(data)} of "
                               f"{size} bytes")
            data += chunk[:size - len(data)]
        return bytes(data)

    def _read_chunk(self, offset: int, length: int) -> bytes:
        if offset <= MAX_EVEN_OFFSET:
            data, sw = self._protected(CommandAPDU(
                0x00, 0xB0, offset >> 8, offset & 0xFF, le=length))
            if sw not in (SW_OK, SW_END_OF_FILE):
                raise_for_status(sw, f"READ BINARY at {offset}")
            return data
        # Offsets past 32767 need the odd INS with the offset in DO'54' and
        # the answer wrapped in DO'53' (Doc 9303 Part 10, 3.6.3).
        length = max(1, min(length, self._chunk_limit() - 4))
        body = tlv.encode(0x54, offset.to_bytes(3, "big"))
        data, sw = self._protected(CommandAPDU(0x00, 0xB1, 0x00, 0x00, body,
                                               le=length + 4))
        if sw not in (SW_OK, SW_END_OF_FILE):
            raise_for_status(sw, f"READ BINARY (odd) at {offset}")
        try:
            wrapped = tlv.decode(data)
        except TLVError as exc:
            raise LDSError(f"odd READ BINARY answer: {exc}") from exc
        if wrapped.tag != 0x53:
            raise LDSError("odd READ BINARY answer is not DO'53'")
        return wrapped.value

    def internal_authenticate(self, challenge: bytes) -> bytes:
        """Relay the verifier's 8-byte challenge; return the chip's answer."""
        if len(challenge) != 8:
            raise ValueError("the AA challenge must be 8 bytes")
        le = EXTENDED_MAX_LE if self.extended else SHORT_MAX_LE
        data, sw = self._protected(CommandAPDU(0x00, 0x88, 0x00, 0x00,
                                               bytes(challenge), le=le))
        if not self.extended and (sw == SW_WRONG_LENGTH
                                  or sw >> 8 == SW1_WRONG_LE):
            # What a short-only chip without response chaining answers when
            # the protected signature (e.g. RSA-2048: 285 bytes) exceeds 256.
            raise CardError(
                f"INTERNAL AUTHENTICATE failed: {sw:04X}: the signature does "
                "not fit a short response APDU and the chip offers neither "
                "extended length nor response chaining (61XX)", sw)
        raise_for_status(sw, "INTERNAL AUTHENTICATE")
        return data

    def read(self, mrz_information: str | None = None, *,
             can: str | None = None, aa_challenge: bytes | None = None,
             data_groups: tuple[int, ...] = DEFAULT_GROUPS,
             chip_authentication: bool = True) -> ChipReadResult:
        """Run the whole read: PACE or BAC, EF.COM, DG14 and chip
        authentication, the wanted DGs, EF.SOD, AA.

        Data groups not listed in EF.COM are skipped. When the chip has DG14
        and ``chip_authentication`` is on, DG14 is read first (even if not
        in ``data_groups``: the verifier needs it) and CA runs before any
        other data group, so everything after it travels under the CA keys;
        ``result.ca_transcript`` then lets the verifier re-check it. AA runs
        only with an ``aa_challenge`` from the verifier and a DG15 on the
        chip.
        """
        self._open_detecting_length(
            lambda: self.open(mrz_information, can=can))
        files = {"COM": self.read_file(FID_COM)}
        com = parse_com(files["COM"])
        access = self.access
        result = ChipReadResult(files, com,
                                simulated=self.transport.simulated,
                                access_protocol=access.protocol,
                                access_details=access.details,
                                card_access=access.card_access)
        result.notes.extend(access.notes)
        ca = None
        if chip_authentication and 14 in com.data_groups:
            files["DG14"] = self.read_file(dg_fid(14))
            ca = self.run_chip_authentication(files["DG14"], result.notes)
        for number in data_groups:
            if number in com.data_groups and f"DG{number}" not in files:
                files[f"DG{number}"] = self.read_file(dg_fid(number))
        files["SOD"] = self.read_file(FID_SOD)
        if aa_challenge is not None:
            if "DG15" in files:
                result.aa_challenge = bytes(aa_challenge)
                try:
                    result.aa_response = self.internal_authenticate(
                        aa_challenge)
                except CardError as exc:
                    result.notes.append(f"active authentication: {exc}")
            else:
                result.notes.append("chip has no DG15: no active "
                                    "authentication")
        result.apdu_count = self.transport.count
        result.extended_length = self.extended
        result.length_source = self.length.source
        if ca is not None:
            result.ca_transcript = CATranscript.from_result(ca)
        return result


def read_document(transport: Transport, mrz_information: str | None = None,
                  **kwargs) -> ChipReadResult:
    """Convenience wrapper: ``ChipReader(transport).read(...)``."""
    return ChipReader(transport).read(mrz_information, **kwargs)
