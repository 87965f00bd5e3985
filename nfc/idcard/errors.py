"""Exception hierarchy of the idcard package.

Every parser and protocol step raises a subclass of :class:`IdCardError`, so
callers can catch one type and still tell the failure apart by class.
"""

from __future__ import annotations


class IdCardError(Exception):
    """Base class of every error raised by the idcard package."""


class ParseError(IdCardError):
    """Input bytes or text do not have the expected structure."""


class TLVError(ParseError):
    """Malformed, truncated or oversized BER-TLV data."""


class MRZError(ParseError):
    """Malformed machine readable zone or a wrong check digit."""


class LDSError(ParseError):
    """Malformed LDS file (EF.COM, data groups)."""


class SODError(ParseError):
    """Malformed EF.SOD (CMS SignedData / LDS security object)."""


class CertificateError(ParseError):
    """Malformed X.509 certificate or master list."""


class ResidentIdError(ParseError):
    """Malformed or inconsistent Chinese resident ID card record."""


class TransportError(IdCardError):
    """The reader or the card could not carry an APDU."""


class NoReaderError(TransportError):
    """No contactless reader was found at the given path."""


class NoCardError(TransportError):
    """No card was presented within the wait time."""


class CardRemovedError(TransportError):
    """The card stopped answering (removed from the field or timed out)."""


class NotIsoDepError(TransportError):
    """A card was found but it does not speak ISO-DEP (ISO 14443-4)."""


class CardError(IdCardError):
    """The card answered with an error status word."""

    def __init__(self, message: str, sw: int | None = None) -> None:
        super().__init__(message)
        self.sw = sw


class AccessDeniedError(CardError):
    """Basic access control failed (usually a wrong MRZ)."""


class SecureMessagingError(IdCardError):
    """A protected response failed verification (MAC, SSC, padding, layout)."""


class FileTooLargeError(IdCardError):
    """A file does not fit the short-APDU read range of this reader."""


class VerificationError(IdCardError):
    """A verification step could not be carried out."""


class NonceError(VerificationError):
    """The active-authentication nonce is unknown, used or expired."""


class TrustStoreError(IdCardError):
    """The CSCA trust store could not be read or written."""


class SignatureError(VerificationError):
    """A CMS or certificate signature does not verify."""


class ChainError(VerificationError):
    """The document-signer certificate does not lead to a trusted CSCA."""
