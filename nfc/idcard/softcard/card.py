"""Card side of a BAC-protected eMRTD chip (Doc 9303 Part 11, chip role).

Implements SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE, protected READ
BINARY (even and odd INS) and INTERNAL AUTHENTICATE, aborting secure
messaging the way a chip does when a MAC is wrong or a command arrives
unprotected.
"""

from __future__ import annotations

import hashlib
import os
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .. import tlv
from ..errors import IdCardError, ParseError
from ..icao import apdu as sw
from ..icao.aa import TRAILER_IDS
from ..icao.apdu import CommandAPDU, is_extended
from ..icao.bac import derive_keys, initial_ssc, session_keys
from ..icao.crypto import constant_time_equal, des3_cbc_decrypt, des3_cbc_encrypt, pad, retail_mac, unpad
from ..icao.lds import LDS_AID
from ..icao.pace import FID_CARD_ACCESS
from ..icao.sm import decode_le, make_suite, protected_response_length, spans
from .ca_card import CardCA
from .link import CardLink
from .pace_card import CardPACE, plain_command


class _SMAbort(Exception):
    """A protected command failed verification; the chip drops the session."""


class CardSecureMessaging:
    """Chip-side mirror of :class:`idcard.icao.sm.SecureMessaging`."""

    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: bytes) -> None:
        self.suite = make_suite(ks_enc, ks_mac,
                                "AES" if len(ssc) == 16 else "3DES")
        self.size = len(ssc)
        self.ssc = int.from_bytes(ssc, "big")

    def _next(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << (8 * self.size))
        return self.ssc.to_bytes(self.size, "big")

    def unwrap(self, raw: bytes) -> CommandAPDU:
        """Verify and decrypt a protected command."""
        ssc = self._next()
        try:
            cmd = CommandAPDU.decode(raw)
            objects = spans(cmd.data)
        except (ParseError, IdCardError) as exc:
            raise _SMAbort(str(exc)) from exc
        tags = [t for t, _, _ in objects]
        # Le of a protected command is '00' (short) or '0000' (extended).
        if not tags or tags[-1] != 0x8E or \
                cmd.le != (65536 if cmd.extended else 256):
            raise _SMAbort("DO'8E' missing")
        bs = self.suite.block_size
        header = pad(raw[:4], bs)
        covered = b"".join(r for _, _, r in objects[:-1])
        if not constant_time_equal(objects[-1][1], self.suite.mac(
                pad(ssc + header + covered, bs))):
            raise _SMAbort("wrong MAC")
        data, le = b"", None
        for tag, value, _ in objects[:-1]:
            if tag in (0x87, 0x85):
                if tag == 0x87:
                    if not value or value[0] != 1:
                        raise _SMAbort("bad padding indicator")
                    value = value[1:]
                try:
                    data = unpad(self.suite.decrypt(ssc, value))
                except IdCardError as exc:
                    raise _SMAbort(str(exc)) from exc
            elif tag == 0x97 and len(value) in (1, 2):
                le = decode_le(value)
            else:
                raise _SMAbort(f"unexpected DO {tag:X}")
        return CommandAPDU(raw[0] & ~0x0C, raw[1], raw[2], raw[3], data, le)

    def wrap(self, data: bytes, status: int, odd: bool = False) -> bytes:
        """Protect a response: [DO'87'] DO'99' DO'8E' then SW."""
        ssc = self._next()
        objects = b""
        bs = self.suite.block_size
        if data:
            cipher = self.suite.encrypt(ssc, pad(data, bs))
            objects += (tlv.encode(0x85, cipher) if odd
                        else tlv.encode(0x87, b"\x01" + cipher))
        objects += tlv.encode(0x99, status.to_bytes(2, "big"))
        mac = self.suite.mac(pad(ssc + objects, bs))
        return objects + tlv.encode(0x8E, mac) + status.to_bytes(2, "big")


def _plain(status: int, data: bytes = b"") -> bytes:
    return data + status.to_bytes(2, "big")


class SoftwareCard:
    """A simulated eMRTD chip.

    ``files`` maps file identifiers (0x011E, 0x0101, ...) to contents.
    ``aa_key`` is the private key matching DG15, if any. ``cpu_time`` sums
    the thread CPU time spent inside :meth:`process`, so benchmarks can tell
    the host's work from the simulated chip's. ``extended_length`` and
    ``response_chaining`` set how APDU lengths behave (:mod:`.link`);
    ``mf_files`` are files in the master file that anyone may read in plain
    before the eMRTD application is selected (EF.ATR/INFO, 0x2F01).
    ``pace`` (:mod:`.pace_card`) adds PACE and serves EF.CardAccess,
    ``bac=False`` makes a PACE-only chip, ``ca`` (:mod:`.ca_card`) adds
    Chip Authentication.
    """

    def __init__(self, files: dict[int, bytes], mrz_information: str,
                 aa_key=None, *, aa_hash: str = "sha1",
                 rng=os.urandom, extended_length: bool = False,
                 response_chaining: bool = False,
                 mf_files: dict[int, bytes] | None = None,
                 pace: CardPACE | None = None, bac: bool = True,
                 ca: CardCA | None = None) -> None:
        self.link = CardLink(extended_length, response_chaining)
        self.mf_files = {fid: bytes(data)
                         for fid, data in (mf_files or {}).items()}
        self.pace, self.bac_enabled, self.ca = pace, bac, ca
        if pace is not None:
            self.mf_files[FID_CARD_ACCESS] = pace.card_access
        self.files = {fid: bytes(data) for fid, data in files.items()}
        self.k_enc, self.k_mac = derive_keys(mrz_information)
        self.aa_key = aa_key
        self.aa_hash = aa_hash
        self.rng = rng
        self.cpu_time = 0.0
        self.apdu_count = 0
        self.reset()

    def reset(self) -> None:
        """Power cycle: forget selection, challenge and session."""
        self.app_selected = False
        self.current: int | None = None
        self.rnd_ic: bytes | None = None
        self.sm: CardSecureMessaging | None = None
        self.mf_current: int | None = None
        self.link.reset()
        #: Session to switch to after the current answer (Chip
        #: Authentication answers under the old keys).
        self.next_sm: CardSecureMessaging | None = None
        if self.pace is not None:
            self.pace.reset()

    def process(self, raw: bytes) -> bytes:
        """Handle one command APDU and return the response APDU."""
        start = time.thread_time()
        try:
            self.apdu_count += 1
            return self._process(bytes(raw))
        finally:
            self.cpu_time += time.thread_time() - start

    def _process(self, raw: bytes) -> bytes:
        if len(raw) < 4:
            return _plain(sw.SW_WRONG_LENGTH)
        if self.link.is_get_response(raw):
            return self.link.get_response(raw)
        self.link.clear()
        if self.link.refuses(raw):
            self.sm = None  # the MAC cannot even be found: session over
            return _plain(sw.SW_WRONG_LENGTH)
        if raw[0] & 0x0C:
            if self.sm is None:
                return _plain(sw.SW_CONDITIONS_NOT_SATISFIED)
            try:
                cmd = self.sm.unwrap(raw)
            except _SMAbort:
                self.sm = None
                return _plain(sw.SW_SM_DATA_INCORRECT)
            data, status = self._dispatch(cmd)
            outer_ne = 65536 if is_extended(raw) else 256
            if not self.link.fits(protected_response_length(
                    len(data), self.sm.suite.block_size), outer_ne):
                data, status = b"", sw.SW_WRONG_LENGTH
            response = self.link.deliver(self.sm.wrap(
                data, status, odd=bool(cmd.ins & 1 and data)), outer_ne)
            if self.next_sm is not None:
                self.sm, self.next_sm = self.next_sm, None
            return response
        try:
            cmd = CommandAPDU.decode(raw)
        except ParseError:
            return _plain(sw.SW_WRONG_LENGTH)
        if self.sm is not None:
            # An unprotected command ends the secure channel (Part 11, 9.8.4).
            self.sm = None
            return _plain(sw.SW_SM_DATA_MISSING)
        answer = plain_command(self, cmd)  # PACE, or BAC refused
        if answer is not None:
            return self.link.deliver(answer, cmd.le)
        if cmd.ins == 0xA4 and cmd.p1 == 0x04:
            return _plain(*reversed(self._select(cmd)))
        if cmd.ins == 0x84:
            return self._get_challenge(cmd)
        if cmd.ins == 0x82:
            return self._external_authenticate(cmd)
        if cmd.ins in (0xA4, 0xB0) and not self.app_selected:
            return self.link.deliver(self._mf_access(cmd), cmd.le)
        if cmd.ins in (0xA4, 0xB0, 0xB1, 0x88):
            return _plain(sw.SW_SECURITY_NOT_SATISFIED)
        return _plain(sw.SW_INS_NOT_SUPPORTED)

    def _dispatch(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.ins == 0xA4:
            return self._select(cmd)
        if cmd.ins in (0xB0, 0xB1):
            return self._read_binary(cmd)
        if cmd.ins == 0x88:
            return self._internal_authenticate(cmd)
        if cmd.ins in (0x22, 0x86) and self.ca is not None:
            return self.ca.command(self, cmd)
        return b"", sw.SW_INS_NOT_SUPPORTED

    def _select(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.p1 == 0x04:
            if cmd.data != LDS_AID:
                return b"", sw.SW_FILE_NOT_FOUND
            self.app_selected, self.current = True, None
            return b"", sw.SW_OK
        if cmd.p1 != 0x02 or len(cmd.data) != 2 or not self.app_selected:
            return b"", sw.SW_WRONG_P1P2
        fid = int.from_bytes(cmd.data, "big")
        if fid not in self.files:
            return b"", sw.SW_FILE_NOT_FOUND
        self.current = fid
        return b"", sw.SW_OK

    def _mf_access(self, cmd: CommandAPDU) -> bytes:
        """Plain SELECT and READ BINARY of the free files in the MF."""
        if cmd.ins == 0xA4:
            if cmd.p1 not in (0x00, 0x02) or len(cmd.data) != 2:
                return _plain(sw.SW_INCORRECT_P1P2)
            fid = int.from_bytes(cmd.data, "big")
            if fid not in self.mf_files:
                return _plain(sw.SW_FILE_NOT_FOUND)
            self.mf_current = fid
            return _plain(sw.SW_OK)
        fid, offset = self.mf_current, (cmd.p1 << 8) | cmd.p2
        if cmd.p1 & 0x80:  # short EF identifier: the low five FID bits
            fid = next((f for f in self.mf_files
                        if f & 0x1F == cmd.p1 & 0x1F), None)
            offset = cmd.p2
            if fid is None:
                return _plain(sw.SW_FILE_NOT_FOUND)
            self.mf_current = fid
        if fid is None:
            return _plain(sw.SW_SECURITY_NOT_SATISFIED)
        content = self.mf_files[fid]
        if cmd.le is None or offset > len(content):
            return _plain(sw.SW_WRONG_P1P2)
        chunk = content[offset:offset + cmd.le]
        return _plain(sw.SW_OK if len(chunk) == cmd.le
                      else sw.SW_END_OF_FILE, chunk)

    def _get_challenge(self, cmd: CommandAPDU) -> bytes:
        if cmd.le != 8 or not self.app_selected:
            return _plain(sw.SW_WRONG_LENGTH)
        self.rnd_ic = self.rng(8)
        return _plain(sw.SW_OK, self.rnd_ic)

    def _external_authenticate(self, cmd: CommandAPDU) -> bytes:
        rnd_ic, self.rnd_ic = self.rnd_ic, None
        if rnd_ic is None:
            return _plain(sw.SW_CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != 40:
            return _plain(sw.SW_WRONG_LENGTH)
        e_ifd, m_ifd = cmd.data[:32], cmd.data[32:]
        if not constant_time_equal(retail_mac(self.k_mac, e_ifd), m_ifd):
            return _plain(0x6300)
        plain = des3_cbc_decrypt(self.k_enc, e_ifd)
        rnd_ifd, k_ifd = plain[:8], plain[16:32]
        if plain[8:16] != rnd_ic:
            return _plain(0x6300)
        k_ic = self.rng(16)
        e_ic = des3_cbc_encrypt(self.k_enc, rnd_ic + rnd_ifd + k_ic)
        ks_enc, ks_mac = session_keys(k_ifd, k_ic)
        self.sm = CardSecureMessaging(ks_enc, ks_mac,
                                      initial_ssc(rnd_ic, rnd_ifd))
        return _plain(sw.SW_OK, e_ic + retail_mac(self.k_mac, e_ic))

    def _read_binary(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.ins == 0xB1:
            try:
                obj = tlv.decode(cmd.data)
            except IdCardError:
                return b"", sw.SW_WRONG_DATA
            if obj.tag != 0x54 or not 1 <= len(obj.value) <= 3:
                return b"", sw.SW_WRONG_DATA
            offset = int.from_bytes(obj.value, "big")
        elif cmd.p1 & 0x80:
            # Short EF identifier in P1 selects the file, P2 is the offset.
            fid = 0x0100 | (cmd.p1 & 0x1F)
            if fid not in self.files:
                return b"", sw.SW_FILE_NOT_FOUND
            self.current, offset = fid, cmd.p2
        else:
            offset = (cmd.p1 << 8) | cmd.p2
        if self.current is None:
            return b"", sw.SW_CONDITIONS_NOT_SATISFIED
        content = self.files[self.current]
        if offset > len(content) or cmd.le is None:
            return b"", sw.SW_WRONG_P1P2
        le = cmd.le
        if cmd.ins == 0xB1:
            # The odd-INS answer is wrapped in DO'53'; keep it within Le.
            chunk = content[offset:offset + max(0, le - 4)]
            data = tlv.encode(0x53, chunk)
        else:
            chunk = data = content[offset:offset + le]
        status = sw.SW_OK if len(chunk) == le or cmd.ins == 0xB1 \
            else sw.SW_END_OF_FILE
        return data, status

    def _internal_authenticate(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if self.aa_key is None:
            return b"", sw.SW_INS_NOT_SUPPORTED
        if len(cmd.data) != 8:
            return b"", sw.SW_WRONG_DATA
        signature = sign_challenge(self.aa_key, cmd.data, self.aa_hash,
                                   self.rng)
        if len(signature) > (cmd.le or 0):
            return b"", sw.SW_WRONG_LENGTH  # Ne cannot hold the signature
        return signature, sw.SW_OK


def sign_challenge(key, challenge: bytes, hash_name: str = "sha1",
                   rng=os.urandom) -> bytes:
    """Chip-side AA signature (ISO 9796-2 scheme 1 for RSA, plain ECDSA)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        chosen = {"sha1": hashes.SHA1, "sha224": hashes.SHA224,
                  "sha256": hashes.SHA256, "sha384": hashes.SHA384,
                  "sha512": hashes.SHA512}[hash_name]()
        r, s = decode_dss_signature(key.sign(challenge, ec.ECDSA(chosen)))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("AA key must be RSA or EC")
    numbers = key.private_numbers()
    size = (key.key_size + 7) // 8
    digest_len = hashlib.new(hash_name).digest_size
    trailer = b"\xBC" if hash_name == "sha1" else \
        bytes([TRAILER_IDS[hash_name], 0xCC])
    m1 = rng(size - digest_len - len(trailer) - 1)
    rep = b"\x6A" + m1 + hashlib.new(hash_name, m1 + challenge).digest() \
        + trailer
    value = int.from_bytes(rep, "big")
    # RSA with the CRT parameters: about four times faster than pow(v, d, n).
    pub = numbers.public_numbers
    m_p = pow(value, numbers.dmp1, numbers.p)
    m_q = pow(value, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m_p - m_q)) % numbers.p
    signature = (m_q + h * numbers.q) % pub.n
    return signature.to_bytes(size, "big")


class SoftwareCardTransport:
    """In-process transport straight into a :class:`SoftwareCard`.

    It carries APDUs of any length (``extended_length``); whether the card
    accepts them is the card's business, found out by the reader. There is
    no ATS, so ``historical_bytes`` is None unless a test sets one.
    """

    simulated = True

    def __init__(self, card: SoftwareCard, *, extended_length: bool = True,
                 historical_bytes: bytes | None = None) -> None:
        self.card = card
        self.extended_length = extended_length
        self.historical_bytes = historical_bytes

    def transceive(self, apdu: bytes) -> bytes:
        """Hand ``apdu`` to the card and return its answer."""
        return self.card.process(apdu)
