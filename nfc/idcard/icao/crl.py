"""Certificate revocation lists of CSCAs (Doc 9303 Part 12, 7.1.4 and 8).

A CSCA publishes a CRL listing the document-signer certificates it revoked (a stolen or misused
DS key signs perfectly valid-looking SODs). A CRL is only believed once its signature verifies with
the key of a trusted CSCA whose name it carries.

Revocation is permanent, so a DS listed in any verified CRL of its CSCA is refused, whatever that
CRL's age. A CRL past its nextUpdate says nothing about revocations since: by default
(``stale="block"``) passive authentication of that CSCA's documents then fails with a reason that
says so, because a stale CRL must not be trusted silently and the check result is the one place
every caller sees. ``stale="warn"`` lets them pass and logs a warning instead, for deployments that
prefer availability; a CSCA without any CRL is not checked at all (CRLs are optional).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning

from ..errors import CertificateError, ChainError, SignatureError
from .keys import certificate_public_key
from .profiles import check_crl_issuer

LOG = logging.getLogger(__name__)
STALE_POLICIES = ("block", "warn")


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """Load one DER or PEM CRL; raises CertificateError."""
    data = bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CryptographyDeprecationWarning)
            if b"-----BEGIN X509 CRL-----" in data:
                crl = x509.load_pem_x509_crl(data)
            else:
                crl = x509.load_der_x509_crl(data)
            # Parsing is lazy in places; touch what the checks need so a bad CRL fails here.
            crl.issuer, crl.last_update_utc, crl.next_update_utc, crl.signature_hash_algorithm  # noqa: B018
            for entry in crl:
                entry.serial_number, entry.revocation_date_utc, entry.extensions  # noqa: B018
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion,
            CryptographyDeprecationWarning) as exc:
        raise CertificateError(f"not a CRL: {exc}") from exc
    return crl


def looks_like_crl(data: bytes) -> bool:
    """True when ``data`` is a well-formed CRL (so callers can route CRLs and certificates apart)."""
    try:
        load_crl(data)
    except CertificateError:
        return False
    return True


def crl_file_name(crl: x509.CertificateRevocationList) -> str:
    """Stable file name for a CRL in a trust-store folder."""
    der = crl.public_bytes(serialization.Encoding.DER)
    return f"crl-{hashlib.sha256(der).hexdigest()[:24]}.crl"


def _key_id(cert: x509.Certificate) -> bytes:
    """Fingerprint of the subject and key, so link certificates of one CSCA key share their CRLs."""
    tbs = a_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))["tbs_certificate"]
    return hashlib.sha256(tbs["subject"].dump() + tbs["subject_public_key_info"].dump()).digest()


def _authority_key_id(crl: x509.CertificateRevocationList) -> bytes | None:
    try:
        return crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except (x509.ExtensionNotFound, ValueError):
        return None


def _subject_key_id(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, ValueError):
        return None


def _check_signature(crl: x509.CertificateRevocationList, csca: x509.Certificate) -> None:
    key = certificate_public_key(csca, SignatureError, "CSCA key")
    try:
        params = crl.signature_algorithm_parameters
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(crl.signature, crl.tbs_certlist_bytes, params, crl.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(crl.signature, crl.tbs_certlist_bytes, params)
        else:
            raise SignatureError("CSCA key type is not RSA or EC")
    except InvalidSignature as exc:
        raise SignatureError("CRL signature does not verify") from exc
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"CRL signature cannot be checked: {exc}") from exc


def verify_crl(crl: x509.CertificateRevocationList, cscas: Iterable[x509.Certificate]) -> x509.Certificate:
    """The trusted CSCA whose key signed ``crl``; raises CertificateError naming what failed."""
    aki = _authority_key_id(crl)
    issuer = crl.issuer.rfc4514_string()
    candidates = [c for c in cscas if c.subject == crl.issuer or (aki is not None and _subject_key_id(c) == aki)]
    if not candidates:
        raise CertificateError(f"no trusted CSCA issued this CRL (issuer {issuer}): import the CSCA first")
    reasons = []
    for csca in candidates:
        try:
            check_crl_issuer(csca, SignatureError)
            _check_signature(crl, csca)
        except SignatureError as exc:
            reasons.append(str(exc))
            continue
        return csca
    raise CertificateError(f"CRL of {issuer} refused: {'; '.join(reasons)}")


@dataclass(frozen=True)
class TrustedCrl:
    """A CRL whose signature verified, with the CSCA that signed it."""

    crl: x509.CertificateRevocationList
    csca: x509.Certificate

    def stale_at(self, at: _dt.datetime) -> bool:
        """True when ``at`` is past the CRL's nextUpdate (a CRL without one never goes stale)."""
        due = self.crl.next_update_utc
        return due is not None and at > due


class CrlSet:
    """The verified CRLs of a trust store, by the CSCA (subject and key) that signed them."""

    def __init__(self) -> None:
        self._by_key: dict[bytes, dict[bytes, TrustedCrl]] = {}

    def __iter__(self):
        for crls in self._by_key.values():
            yield from crls.values()

    def add(self, crl: x509.CertificateRevocationList, csca: x509.Certificate) -> TrustedCrl:
        """Keep a CRL that `verify_crl` accepted for ``csca``."""
        entry = TrustedCrl(crl, csca)
        der = crl.public_bytes(serialization.Encoding.DER)
        self._by_key.setdefault(_key_id(csca), {})[hashlib.sha256(der).digest()] = entry
        return entry

    def check(self, ds_cert: x509.Certificate, csca: x509.Certificate, at: _dt.datetime,
              stale: str = "block") -> list[str]:
        """Refuse a revoked ``ds_cert`` (ChainError); returns warnings, e.g. of a stale CRL under "warn"."""
        crls = list(self._by_key.get(_key_id(csca), {}).values())
        if not crls:
            return []
        name = csca.subject.rfc4514_string()
        for entry in crls:
            revoked = entry.crl.get_revoked_certificate_by_serial_number(ds_cert.serial_number)
            if revoked is not None:
                raise ChainError(f"document signer certificate (serial {ds_cert.serial_number:X}) is revoked by "
                                 f"the CRL of {name}: revoked on {revoked.revocation_date_utc:%Y-%m-%d}"
                                 f"{_reason(revoked)}")
        newest = max(crls, key=lambda e: e.crl.last_update_utc)
        if not newest.stale_at(at):
            return []
        message = (f"the newest CRL of {name} was due for renewal on {newest.crl.next_update_utc:%Y-%m-%d} "
                   "(nextUpdate): revocations since then are unknown; import a current CRL")
        if stale == "block":
            raise ChainError(message)
        LOG.warning("%s", message)
        return [message]


def _reason(revoked: x509.RevokedCertificate) -> str:
    try:
        flag = revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except (x509.ExtensionNotFound, ValueError):
        return ""
    return f" (reason: {flag.name})"
