"""Certificate profile checks of Doc 9303 Part 12 that trust decisions depend on.

A signature alone says who signed, not what the signer was allowed to sign: a document-signer or
any other certificate a CSCA issued could otherwise sign a master list full of CSCAs of its
choosing. Part 12 gives each role its key usage, and the master-list signer its own extended key
usage, so those are checked before a signed object is believed.
"""

from __future__ import annotations

from cryptography import x509

from ..errors import IdCardError

#: id-icao-cscaMasterListSigningKey (id-icao-mrtd-security 3), Doc 9303 Part 12.
MASTER_LIST_SIGNING_EKU = "2.23.136.1.1.3"


def _extension(cert: x509.Certificate, kind, error: type[IdCardError], what: str):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:  # a malformed extension
        raise error(f"{what}: unreadable {kind.__name__} extension: {exc}") from exc


def check_master_list_signer(cert: x509.Certificate, error: type[IdCardError]) -> None:
    """Refuse a master-list signer certificate without the ICAO master-list signing EKU.

    Part 12 makes extendedKeyUsage mandatory for master-list signers and requires keyUsage
    digitalSignature; a keyUsage that is present but lacks it is refused too.
    """
    what = "master list signer certificate"
    usage = _extension(cert, x509.ExtendedKeyUsage, error, what)
    if usage is None:
        raise error(f"{what} has no extended key usage; Doc 9303 Part 12 requires "
                    f"id-icao-cscaMasterListSigningKey ({MASTER_LIST_SIGNING_EKU})")
    found = [oid.dotted_string for oid in usage]
    if MASTER_LIST_SIGNING_EKU not in found:
        raise error(f"{what} is not allowed to sign master lists: its extended key usage is "
                    f"{', '.join(found) or 'empty'}, not id-icao-cscaMasterListSigningKey "
                    f"({MASTER_LIST_SIGNING_EKU})")
    key_usage = _extension(cert, x509.KeyUsage, error, what)
    if key_usage is not None and not key_usage.digital_signature:
        raise error(f"{what} key usage does not include digitalSignature")


def check_crl_issuer(cert: x509.Certificate, error: type[IdCardError]) -> None:
    """Refuse a CRL issuer whose keyUsage is present but lacks cRLSign (RFC 5280 6.3.3 (f))."""
    key_usage = _extension(cert, x509.KeyUsage, error, "CRL issuer certificate")
    if key_usage is not None and not key_usage.crl_sign:
        raise error("CRL issuer certificate key usage does not include cRLSign")
