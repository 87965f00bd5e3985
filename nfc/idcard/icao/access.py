"""Access control for a read: PACE when the chip offers it, else BAC.

Doc 9303 Part 11, 4.2: the terminal reads EF.CardAccess in plain from the
master file before selecting the eMRTD application. If it lists a PACEInfo
this reader supports, PACE runs first (with the CAN when one is given,
else the MRZ information); if there is no EF.CardAccess, or PACE fails with
a status word (a chip that lists PACE but answers 6D00, a password the chip
refuses), BAC follows. A PACE failure that is not a status word — a wrong
chip token, an invalid key — is never retried with BAC: that would let
whoever caused it push the reader down to the weaker protocol.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import AccessDeniedError, CardError, ParseError
from .apdu import CommandAPDU, raise_for_status, split_response
from .bac import perform_bac
from .lds import LDS_AID
from .pace import PacePassword, PaceSession, pace_choices, perform_pace, read_card_access
from .secinfo import parse_security_infos
from .sm import SecureMessaging

Exchange = Callable[[bytes], bytes]
Plain = Callable[[CommandAPDU], tuple[bytes, int]]


@dataclass
class AccessResult:
    """The secure channel and how it was opened."""

    sm: SecureMessaging
    protocol: str
    card_access: bytes | None
    details: str
    pace: PaceSession | None = None
    notes: list[str] = field(default_factory=list)


def _select_application(sm: SecureMessaging | None, plain: Plain,
                        exchange: Exchange) -> None:
    cmd = CommandAPDU(0x00, 0xA4, 0x04, 0x0C, LDS_AID)
    if sm is None:
        _, sw = plain(cmd)
        if sw in (0x6987, 0x6988):
            # A chip still in the secure messaging of a half-done PACE
            # drops it on this plain command; the next one is answered.
            _, sw = plain(cmd)
    else:
        _, sw = split_response(sm.unprotect(exchange(sm.protect(cmd.encode()))))
    raise_for_status(sw, "SELECT eMRTD application")


def establish_access(plain: Plain, exchange: Exchange, transceive: Exchange,
                     mrz_information: str | None, can: str | None = None, *,
                     rng: Callable[[int], bytes] = os.urandom,
                     pace_keys: list[int] | None = None) -> AccessResult:
    """Open the secure channel and select the eMRTD application.

    ``plain`` sends one unprotected command, ``exchange`` one raw APDU
    (with response chaining), ``transceive`` one raw APDU as BAC expects.
    ``pace_keys`` fixes PACE's private keys (worked-example tests only).
    """
    if mrz_information is None and can is None:
        raise ValueError("give the MRZ information, a CAN, or both")
    notes: list[str] = []
    card_access = read_card_access(plain)
    choices = []
    if card_access is not None:
        try:
            choices = pace_choices(parse_security_infos(card_access))
        except ParseError as exc:
            notes.append(f"EF.CardAccess cannot be parsed ({exc}): BAC")
        else:
            if not choices:
                notes.append("EF.CardAccess offers no PACE variant this "
                             "reader runs (Generic Mapping): BAC")
    pace_error: CardError | None = None
    if choices:
        password = PacePassword.from_can(can) if can is not None else \
            PacePassword.from_mrz(mrz_information)
        try:
            session = perform_pace(exchange, password, choices[0], rng=rng,
                                   private_keys=pace_keys)
            _select_application(session.sm, plain, exchange)
        except CardError as exc:
            pace_error = exc
        else:
            which = "CAN" if can is not None else "MRZ"
            return AccessResult(session.sm, "PACE", card_access,
                                f"PACE {choices[0].label}, {which}", session,
                                notes)
    if mrz_information is None:
        reason = f"PACE failed: {pace_error}" if pace_error else \
            "the chip offers no PACE (no usable EF.CardAccess)"
        raise AccessDeniedError(
            f"{reason}; BAC is impossible with only a CAN, it needs the MRZ "
            "information (document number, birth and expiry dates)",
            pace_error.sw if pace_error else None)
    if pace_error is not None:
        notes.append(f"PACE failed, BAC instead: {pace_error}")
    try:
        _select_application(None, plain, exchange)
        sm = perform_bac(transceive, mrz_information, rng=rng)
    except CardError as exc:
        if pace_error is None:
            raise
        kind = AccessDeniedError if isinstance(
            pace_error, AccessDeniedError) or isinstance(
            exc, AccessDeniedError) else CardError
        raise kind(f"PACE failed: {pace_error}; BAC fallback failed too: "
                   f"{exc}", pace_error.sw) from exc
    return AccessResult(sm, "BAC", card_access, "BAC", None, notes)
