"""Chip side of Chip Authentication v1 for the software card.

The chip owns a static key agreement key whose public half goes into DG14
(with a ChipAuthenticationInfo naming the protocol). MSE:Set KAT (3DES) or
MSE:Set AT followed by GENERAL AUTHENTICATE (AES) brings the terminal's
ephemeral key; the chip answers under the current keys and then switches
to the CA keys with a zero send sequence counter (``card.next_sm``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import tlv
from ..errors import IdCardError
from ..icao import apdu as sw
from ..icao.apdu import CommandAPDU
from ..icao.curves import BY_NAME
from ..icao.domains import DH_GROUPS
from ..icao.keyagree import DHDomain, Domain, ECDomain
from ..icao.pace import derive_key, oid_value
from ..icao.secinfo import ca_oid, ca_protocol, encode_ca_info, encode_ca_public_key_info

if TYPE_CHECKING:
    from .card import SoftwareCard

#: Domains the software card uses for its CA key.
DEFAULT_DOMAINS = {"ec": "secp256r1", "dh": "rfc5114-1024-160"}


@dataclass
class CardCA:
    """A chip's Chip Authentication key and protocol."""

    domain: Domain = field(repr=False)
    private: int = field(repr=False)
    protocol: str
    key_id: int | None = None
    _pending_oid: bytes | None = field(default=None, repr=False)

    @classmethod
    def generate(cls, kind: str = "ec", cipher: str = "AES-128", *,
                 key_id: int | None = None, domain_name: str | None = None,
                 rng: Callable[[int], bytes] = os.urandom) -> CardCA:
        """A fresh key: ``kind`` "ec" (P-256 unless ``domain_name``) or
        "dh" (the 1024-bit RFC 5114 group: a 2048-bit public key would not
        fit MSE:Set KAT in a short APDU)."""
        name = domain_name or DEFAULT_DOMAINS[kind]
        domain: Domain = ECDomain(BY_NAME[name]) if kind == "ec" else \
            DHDomain(DH_GROUPS[name])
        protocol = ca_oid("ECDH" if kind == "ec" else "DH", cipher)
        return cls(domain, domain.random_private(rng), protocol, key_id)

    @property
    def public_key(self) -> bytes:
        """The static public key as DG14 publishes it."""
        return self.domain.public_key(self.private)

    def security_infos(self) -> list[bytes]:
        """ChipAuthenticationInfo and ChipAuthenticationPublicKeyInfo."""
        return [encode_ca_info(self.protocol, self.key_id),
                encode_ca_public_key_info(self.domain, self.public_key,
                                          self.key_id)]

    def _key_matches(self, items: dict[int, bytes]) -> bool:
        ref = items.get(0x84)
        return ref is None or (self.key_id is not None and
                               int.from_bytes(ref, "big") == self.key_id)

    def _switch(self, card: SoftwareCard, terminal_public: bytes) -> None:
        from .card import CardSecureMessaging

        spec = ca_protocol(self.protocol)
        secret = self.domain.agree(self.private, terminal_public)
        block = 16 if spec.cipher.algorithm == "AES" else 8
        card.next_sm = CardSecureMessaging(
            derive_key(secret, 1, spec.cipher),
            derive_key(secret, 2, spec.cipher), bytes(block))

    def command(self, card: SoftwareCard, cmd: CommandAPDU
                ) -> tuple[bytes, int]:
        """MSE:Set KAT / MSE:Set AT / GENERAL AUTHENTICATE under SM."""
        try:
            outer = tlv.decode_all(cmd.data) if cmd.data else []
            items = {o.tag: o.value for o in outer}
            if cmd.ins == 0x22 and (cmd.p1, cmd.p2) == (0x41, 0xA6):
                if ca_protocol(self.protocol).cipher.algorithm != "3DES" or \
                        0x91 not in items or not self._key_matches(items):
                    return b"", sw.SW_WRONG_DATA
                self._switch(card, items[0x91])
                return b"", sw.SW_OK
            if cmd.ins == 0x22 and (cmd.p1, cmd.p2) == (0x41, 0xA4):
                if items.get(0x80) != oid_value(self.protocol) or \
                        not self._key_matches(items):
                    return b"", sw.SW_WRONG_DATA
                self._pending_oid = items[0x80]
                return b"", sw.SW_OK
            if cmd.ins == 0x86 and self._pending_oid is not None:
                self._pending_oid = None
                if len(outer) != 1 or outer[0].tag != 0x7C:
                    return b"", sw.SW_WRONG_DATA
                key = outer[0].find(0x80)
                if key is None:
                    return b"", sw.SW_WRONG_DATA
                self._switch(card, key.value)
                return tlv.encode(0x7C, b""), sw.SW_OK
        except IdCardError:
            card.next_sm = None
            return b"", sw.SW_WRONG_DATA
        return b"", sw.SW_CONDITIONS_NOT_SATISFIED
