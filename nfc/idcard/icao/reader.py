"""Read an eMRTD over any transport: BAC, files, active authentication.

Only reading happens here; checking what was read is the job of
:mod:`idcard.verification`, which must work the same on files that a phone
app uploads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .. import tlv
from ..errors import CardError, FileTooLargeError, LDSError, SecureMessagingError, TLVError
from ..transport import CountingTransport, Transport
from .apdu import SW_END_OF_FILE, SW_OK, CommandAPDU, raise_for_status, split_response
from .bac import perform_bac
from .lds import FID_COM, FID_SOD, LDS_AID, EFCom, FaceImage, dg_fid, parse_com, parse_dg1, parse_dg2
from .mrz import MRZ
from .sm import SecureMessaging

#: Largest plain chunk per protected READ BINARY: with padding, DO'87',
#: DO'99' and DO'8E' the response still fits a short APDU (Le = 256).
MAX_READ = 0xDF
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
    """Reads the LDS1 eMRTD application through a :class:`Transport`."""

    def __init__(self, transport: Transport, *, max_read: int = MAX_READ,
                 rng=os.urandom) -> None:
        if not 1 <= max_read <= MAX_READ:
            raise ValueError(f"max_read must be 1..{MAX_READ:#x}")
        self.transport = CountingTransport(transport)
        self.max_read = max_read
        self.rng = rng
        self.sm: SecureMessaging | None = None

    def _plain(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        return split_response(self.transport.transceive(cmd.encode()))

    def _protected(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if self.sm is None:
            raise SecureMessagingError("no secure messaging session")
        wrapped = self.sm.protect(cmd.encode())
        return split_response(self.sm.unprotect(
            self.transport.transceive(wrapped)))

    def open(self, mrz_information: str) -> None:
        """Select the eMRTD application and run BAC."""
        _, sw = self._plain(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, LDS_AID))
        raise_for_status(sw, "SELECT eMRTD application")
        self.sm = perform_bac(self.transport.transceive, mrz_information,
                              rng=self.rng)

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
            chunk = self._read_chunk(len(data), min(self.max_read,
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
        length = min(length, self.max_read - 4)
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
        data, sw = self._protected(CommandAPDU(0x00, 0x88, 0x00, 0x00,
                                               bytes(challenge), le=256))
        raise_for_status(sw, "INTERNAL AUTHENTICATE")
        return data

    def read(self, mrz_information: str, *, aa_challenge: bytes | None = None,
             data_groups: tuple[int, ...] = DEFAULT_GROUPS) -> ChipReadResult:
        """Run the whole read: BAC, EF.COM, the wanted DGs, EF.SOD, AA.

        Data groups not listed in EF.COM are skipped. AA runs only with an
        ``aa_challenge`` from the verifier and a DG15 on the chip.
        """
        self.open(mrz_information)
        files = {"COM": self.read_file(FID_COM)}
        com = parse_com(files["COM"])
        result = ChipReadResult(files, com,
                                simulated=self.transport.simulated)
        for number in data_groups:
            if number in com.data_groups:
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
        return result


def read_document(transport: Transport, mrz_information: str, **kwargs
                  ) -> ChipReadResult:
    """Convenience wrapper: ``ChipReader(transport).read(...)``."""
    return ChipReader(transport).read(mrz_information, **kwargs)
