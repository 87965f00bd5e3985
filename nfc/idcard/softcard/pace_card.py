"""Chip side of PACE (Generic Mapping) for the software card.

:class:`CardPACE` holds the chip's PACE options and passwords and runs the
MSE:Set AT / GENERAL AUTHENTICATE state machine; :func:`plain_command`
is the hook :class:`~idcard.softcard.card.SoftwareCard` calls for commands
that arrive without secure messaging: the PACE steps, and refusing BAC on a
PACE-only chip. EF.CardAccess is served by the card's plain master-file
access (``mf_files``).

A wrong password is only noticed at the last step, exactly as on a real
chip: the terminal's token does not verify and the chip answers 6300.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import tlv
from ..errors import IdCardError
from ..icao import apdu as sw
from ..icao.apdu import CommandAPDU
from ..icao.domains import standard_parameters
from ..icao.keyagree import Domain
from ..icao.pace import (
    PASSWORD_CAN,
    PASSWORD_MRZ,
    PacePassword,
    auth_token,
    derive_key,
    domain_for,
    encrypt_nonce,
    oid_value,
    password_key,
)
from ..icao.secinfo import ProtocolSpec, encode_pace_info, encode_security_infos, pace_protocol

if TYPE_CHECKING:
    from .card import SoftwareCard



@dataclass(frozen=True)
class PaceOption:
    """One PACEInfo the chip offers: protocol OID and standardized
    domain parameter id."""

    protocol: str
    parameter_id: int


def _plain(status: int, data: bytes = b"") -> bytes:
    return data + status.to_bytes(2, "big")


@dataclass
class _Run:
    """State of one PACE run between the chained GENERAL AUTHENTICATEs."""

    spec: ProtocolSpec
    domain: Domain = field(repr=False)
    key: bytes = field(repr=False)
    step: int = 0
    nonce: int = 0
    mapped: Domain | None = field(default=None, repr=False)
    public: bytes = b""
    terminal_public: bytes = b""
    ks_enc: bytes = field(default=b"", repr=False)
    ks_mac: bytes = field(default=b"", repr=False)


class CardPACE:
    """PACE options, passwords and protocol state of one software chip.

    ``fixed_nonce`` and ``fixed_keys`` (mapping key, then ephemeral key)
    replace the random choices, to replay the worked examples of Part 11.
    """

    def __init__(self, options: Iterable[PaceOption], *,
                 mrz_information: str | None, can: str | None,
                 rng: Callable[[int], bytes] = os.urandom,
                 extra_infos: Iterable[bytes] = ()) -> None:
        self.options = list(options)
        if not self.options:
            raise ValueError("a PACE chip needs at least one PACE option")
        for option in self.options:
            spec = pace_protocol(option.protocol)
            if spec is None or spec.mapping != "GM":
                raise ValueError(f"unsupported PACE protocol {option.protocol}")
            standard_parameters(option.parameter_id)
        self.passwords: dict[int, PacePassword] = {}
        if mrz_information:
            self.passwords[PASSWORD_MRZ] = PacePassword.from_mrz(
                mrz_information)
        if can:
            self.passwords[PASSWORD_CAN] = PacePassword.from_can(can)
        self.card_access = encode_security_infos(
            [encode_pace_info(o.protocol, o.parameter_id)
             for o in self.options] + list(extra_infos))
        self.rng = rng
        self.fixed_nonce: bytes | None = None
        self.fixed_keys: list[int] = []
        self.run: _Run | None = None

    def reset(self) -> None:
        """Power cycle: forget any half-done run."""
        self.run = None

    def _private(self, domain: Domain) -> int:
        return self.fixed_keys.pop(0) if self.fixed_keys else \
            domain.random_private(self.rng)

    def mse_set_at(self, cmd: CommandAPDU) -> bytes:
        """MSE:Set AT: pick protocol, password and domain parameters."""
        self.run = None
        try:
            items = {o.tag: o.value for o in tlv.decode_all(cmd.data)}
        except IdCardError:
            return _plain(sw.SW_WRONG_DATA)
        oid, ref = items.get(0x80), items.get(0x83)
        if oid is None or ref is None or len(ref) != 1:
            return _plain(sw.SW_WRONG_DATA)
        password = self.passwords.get(ref[0])
        matching = [o for o in self.options if oid_value(o.protocol) == oid]
        if 0x84 in items:
            matching = [o for o in matching
                        if bytes([o.parameter_id]) == items[0x84]]
        if password is None or len(matching) != 1:
            # Unknown protocol or password, or ambiguous parameters.
            return _plain(sw.SW_WRONG_DATA)
        option = matching[0]
        spec = pace_protocol(option.protocol)
        self.run = _Run(spec, domain_for(standard_parameters(
            option.parameter_id)), password_key(password, spec.cipher))
        return _plain(sw.SW_OK)

    def general_authenticate(self, card: SoftwareCard,
                             cmd: CommandAPDU) -> bytes:
        """One PACE step; the last one starts secure messaging on ``card``."""
        run = self.run
        last = cmd.cla == 0x00
        if run is None or last != (run.step == 3) or cmd.cla not in (0, 0x10):
            self.run = None
            return _plain(sw.SW_CONDITIONS_NOT_SATISFIED)
        try:
            outer = tlv.decode(cmd.data)
            inner = {o.tag: o.value for o in outer.children()} \
                if outer.value else {}
            if outer.tag != 0x7C:
                raise IdCardError("not DO'7C'")
            answer = self._step(card, run, inner)
        except (IdCardError, KeyError):
            self.run = None
            return _plain(sw.SW_WRONG_DATA)
        if answer is None:
            self.run = None
            return _plain(0x6300)
        run.step += 1
        if run.step == 4:
            self.run = None
        return _plain(sw.SW_OK, tlv.encode(0x7C, answer))

    def _step(self, card: SoftwareCard, run: _Run,
              inner: dict[int, bytes]) -> bytes | None:
        if run.step == 0:
            if inner:
                raise IdCardError("step 1 carries no data")
            nonce = self.fixed_nonce or self.rng(16)
            run.nonce = int.from_bytes(nonce, "big")
            return tlv.encode(0x80, encrypt_nonce(run.key, run.spec.cipher,
                                                  nonce))
        if run.step == 1:
            private = self._private(run.domain)
            run.mapped = run.domain.map_generic(run.nonce, private,
                                                inner[0x81])
            return tlv.encode(0x82, run.domain.public_key(private))
        if run.step == 2:
            private = self._private(run.mapped)
            run.public = run.mapped.public_key(private)
            run.terminal_public = inner[0x83]
            if run.terminal_public == run.public:
                raise IdCardError("the terminal echoed the chip's key")
            secret = run.mapped.agree(private, run.terminal_public)
            run.ks_enc = derive_key(secret, 1, run.spec.cipher)
            run.ks_mac = derive_key(secret, 2, run.spec.cipher)
            return tlv.encode(0x84, run.public)
        expected = auth_token(run.ks_mac, run.spec, run.mapped, run.public)
        if inner.get(0x85) != expected:
            return None
        from .card import CardSecureMessaging

        block = 16 if run.spec.cipher.algorithm == "AES" else 8
        card.sm = CardSecureMessaging(run.ks_enc, run.ks_mac, bytes(block))
        card.app_selected, card.current = False, None
        return tlv.encode(0x86, auth_token(run.ks_mac, run.spec, run.mapped,
                                           run.terminal_public))


def plain_command(card: SoftwareCard, cmd: CommandAPDU) -> bytes | None:
    """Handle an unprotected command for PACE, or return None to let the
    card's BAC logic answer it."""
    pace = card.pace
    if not card.bac_enabled and cmd.ins in (0x84, 0x82):
        return _plain(sw.SW_INS_NOT_SUPPORTED)
    if pace is None:
        return None
    if cmd.ins == 0x22 and (cmd.p1, cmd.p2) == (0xC1, 0xA4):
        return pace.mse_set_at(cmd)
    if cmd.ins == 0x86:
        return pace.general_authenticate(card, cmd)
    return None


#: What ``build_document(access="pace")`` offers unless told otherwise:
#: ECDH Generic Mapping, AES-128, brainpoolP256r1 (as most passports).
DEFAULT_PACE_OPTIONS = (PaceOption("0.4.0.127.0.7.2.2.4.2.2", 13),)
ACCESS_MODES = ("bac", "pace", "both")


def random_can(rng: Callable[[int], bytes] = os.urandom) -> str:
    """A 6-digit card access number, as printed on ID cards."""
    return f"{int.from_bytes(rng(8), 'big') % 1_000_000:06d}"
