"""Basic Access Control (Doc 9303 Part 11, 4.3 and 9.7).

The reader derives K_enc/K_mac from the MRZ information, runs GET CHALLENGE
and EXTERNAL AUTHENTICATE, checks the chip's cryptogram and MAC, and derives
the session keys and send sequence counter for secure messaging.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from ..errors import AccessDeniedError, MRZError, SecureMessagingError
from .apdu import CommandAPDU, raise_for_status, split_response
from .crypto import constant_time_equal, des3_cbc_decrypt, des3_cbc_encrypt, kdf, retail_mac
from .sm import SecureMessaging


def key_seed(mrz_information: str) -> bytes:
    """K_seed: the first 16 bytes of SHA-1 over the MRZ information."""
    if not isinstance(mrz_information, str) or not mrz_information.isascii():
        raise MRZError("MRZ information must be ASCII text")
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


def derive_keys(mrz_information: str) -> tuple[bytes, bytes]:
    """Return the parity-adjusted document basic access keys (K_enc, K_mac)."""
    seed = key_seed(mrz_information)
    return kdf(seed, 1), kdf(seed, 2)


def session_keys(k_ifd: bytes, k_ic: bytes) -> tuple[bytes, bytes]:
    """Session keys KS_enc, KS_mac from the exchanged key material."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
    return kdf(seed, 1), kdf(seed, 2)


def initial_ssc(rnd_ic: bytes, rnd_ifd: bytes) -> bytes:
    """SSC = least significant 4 bytes of RND.IC then of RND.IFD."""
    return rnd_ic[4:8] + rnd_ifd[4:8]


def external_authenticate_data(k_enc: bytes, k_mac: bytes, rnd_ic: bytes,
                               rnd_ifd: bytes, k_ifd: bytes) -> bytes:
    """E_IFD || M_IFD, the 40-byte EXTERNAL AUTHENTICATE data field."""
    e_ifd = des3_cbc_encrypt(k_enc, rnd_ifd + rnd_ic + k_ifd)
    return e_ifd + retail_mac(k_mac, e_ifd)


def check_chip_response(k_enc: bytes, k_mac: bytes, response: bytes,
                        rnd_ic: bytes, rnd_ifd: bytes) -> bytes:
    """Verify E_IC || M_IC and return K.IC.

    Raises AccessDeniedError if the MAC or the echoed nonces are wrong.
    """
    if len(response) != 40:
        raise AccessDeniedError("EXTERNAL AUTHENTICATE response is not 40 "
                                "bytes")
    e_ic, m_ic = response[:32], response[32:]
    if not constant_time_equal(retail_mac(k_mac, e_ic), m_ic):
        raise AccessDeniedError("chip cryptogram MAC is wrong")
    plain = des3_cbc_decrypt(k_enc, e_ic)
    if plain[:8] != rnd_ic or plain[8:16] != rnd_ifd:
        raise AccessDeniedError("chip did not echo the BAC challenges")
    return plain[16:32]


def perform_bac(transceive: Callable[[bytes], bytes], mrz_information: str,
                *, rng: Callable[[int], bytes] = os.urandom
                ) -> SecureMessaging:
    """Run BAC over ``transceive`` and return the secure messaging session.

    A wrong MRZ shows up as the chip refusing EXTERNAL AUTHENTICATE (6300 or
    6982), reported as :class:`AccessDeniedError`.
    """
    k_enc, k_mac = derive_keys(mrz_information)
    data, sw = split_response(
        transceive(CommandAPDU(0x00, 0x84, 0x00, 0x00, le=8).encode()))
    raise_for_status(sw, "GET CHALLENGE")
    if len(data) != 8:
        raise AccessDeniedError("GET CHALLENGE did not return 8 bytes")
    rnd_ic = data
    rnd_ifd, k_ifd = rng(8), rng(16)
    cmd = CommandAPDU(0x00, 0x82, 0x00, 0x00,
                      external_authenticate_data(k_enc, k_mac, rnd_ic,
                                                 rnd_ifd, k_ifd), le=40)
    data, sw = split_response(transceive(cmd.encode()))
    if sw != 0x9000:
        raise AccessDeniedError(
            f"BAC rejected by the chip ({sw:04X}): check document number, "
            "birth date and expiry date", )
    k_ic = check_chip_response(k_enc, k_mac, data, rnd_ic, rnd_ifd)
    ks_enc, ks_mac = session_keys(k_ifd, k_ic)
    return SecureMessaging(ks_enc, ks_mac, initial_ssc(rnd_ic, rnd_ifd))


__all__ = ["derive_keys", "perform_bac", "session_keys", "initial_ssc",
           "key_seed", "external_authenticate_data", "check_chip_response",
           "SecureMessagingError"]
