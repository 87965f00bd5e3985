"""Identity documents over NFC (ICAO 9303 eMRTD and Chinese resident ID records).

Layout:

* :mod:`idcard.transport` - the ``transceive(apdu) -> bytes`` interface and
  the nfcpy implementation (USB readers, ISO 14443-4 Type A/B).
* :mod:`idcard.icao` - Doc 9303: MRZ, BAC, PACE, secure messaging, LDS
  files, EF.SOD, CSCA trust store, active and chip authentication, and the
  chip reader.
* :mod:`idcard.verification` - server-side checks on uploaded raw files,
  with single-use expiring AA challenges (:class:`NonceStore`).
* :mod:`idcard.cnid` - 256-byte resident ID records from SAM desk readers.
* :mod:`idcard.softcard` - a simulated chip for tests, benchmarks and demos
  (never production; results carry ``simulated=True``).
* :mod:`idcard.cli` - the ``nfc`` click group (``read``, ``trust import``).

Typical server flow::

    service = VerificationService(TrustStore.from_folder(folder), nonces)
    challenge = service.issue_challenge(session_key)   # send to the client
    result = service.verify_emrtd(files, session_key=session_key,
                                  aa_challenge=challenge,
                                  aa_response=response)
    result.ok, result.to_dict(), result.identity, result.face_image

Every error raised here derives from :class:`idcard.errors.IdCardError`.
"""

from .errors import IdCardError

__all__ = ["IdCardError"]
