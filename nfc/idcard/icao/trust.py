"""CSCA trust store: PEM/DER certificates in a folder and ICAO master lists.

The store answers one question for passive authentication: is this
document-signer certificate issued (and validly signed) by a trusted CSCA
that was valid at the given time.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import core
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning

from ..errors import CertificateError, ChainError, IdCardError, SignatureError, TrustStoreError
from .cms import guard, parse_signed_data, verify_signed_content
from .crl import CrlSet, TrustedCrl, crl_file_name, load_crl, looks_like_crl, verify_crl
from .keys import certificate_public_key
from .profiles import check_master_list_signer

MASTER_LIST_OID = "2.23.136.1.1.2"
CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")
MAX_FILE_SIZE = 16 * 1024 * 1024


class CscaMasterList(core.Sequence):
    """ASN.1 CscaMasterList (Doc 9303 Part 12, 9)."""

    _fields = [("version", core.Integer),
               ("cert_list", core.SetOf, {"spec": a_x509.Certificate})]


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Load one DER certificate or any number of PEM certificates."""
    data = bytes(data)
    try:
        with warnings.catch_warnings():
            # RFC 5280 violations that cryptography only warns about
            # (negative serial numbers) are refused, as newer releases do.
            warnings.simplefilter("error", CryptographyDeprecationWarning)
            if b"-----BEGIN CERTIFICATE-----" in data:
                certs = x509.load_pem_x509_certificates(data)
            else:
                certs = [x509.load_der_x509_certificate(data)]
            for cert in certs:
                # Parsing is lazy in places; touch what verification needs.
                cert.subject, cert.issuer, cert.not_valid_after_utc  # noqa: B018 - touching it makes asn1crypto parse (and reject) now
                cert.signature_hash_algorithm  # noqa: B018 - touching it makes asn1crypto parse (and reject) now
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion,
            CryptographyDeprecationWarning) as exc:
        raise CertificateError(f"not a certificate: {exc}") from exc
    return certs


def verify_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    """Check that ``issuer``'s key signed ``cert``; raises SignatureError."""
    key = certificate_public_key(issuer, SignatureError, "issuer key")
    try:
        params = cert.signature_algorithm_parameters
        algorithm = cert.signature_hash_algorithm
        signature, tbs = cert.signature, cert.tbs_certificate_bytes
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, tbs, params, algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, tbs, params)
        else:
            raise SignatureError("issuer key type is not RSA or EC")
    except InvalidSignature as exc:
        raise SignatureError("certificate signature does not verify") from exc
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"certificate signature cannot be checked: "
                             f"{exc}") from exc


def _key_id(cert: x509.Certificate, kind) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    return getattr(value, "key_identifier", None) or getattr(value, "digest",
                                                             None)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(
            x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False
    except ValueError:
        return False


def _valid_at(cert: x509.Certificate, at: _dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


@dataclass(frozen=True)
class MasterListReport:
    """What a master list gave: the certificates it could, and each one it could not with the reason."""

    certificates: list[x509.Certificate]
    refused: list[tuple[int, str]] = field(default_factory=list)  # (position in the list, from 1; reason)


def read_master_list(data: bytes) -> MasterListReport:
    """Decode an ICAO CSCA master list, verify its CMS signature, and take every certificate that parses.

    The list as a whole must be sound: its structure, its signature, a signer issued by one of the
    listed CSCAs (the issuing state's own) and allowed to sign master lists (the ICAO extended key
    usage, Doc 9303 Part 12); raises CertificateError otherwise. One unparsable
    certificate among hundreds (the official ICAO list has some) is reported, not fatal.
    """
    signed = parse_signed_data(data, CertificateError, MASTER_LIST_OID)
    with guard(CertificateError, "CscaMasterList"):
        parsed = CscaMasterList.load(signed.content, strict=True)
        ders = [c.dump() for c in parsed["cert_list"]]
    certs, refused = [], []
    for position, der in enumerate(ders, start=1):
        try:
            certs.append(load_certificates(der)[0])
        except CertificateError as exc:
            refused.append((position, str(exc)))
    if not certs:
        raise CertificateError("master list holds no usable certificate")
    try:
        signer = verify_signed_content(signed)
    except SignatureError as exc:
        raise CertificateError(f"master list signature: {exc}") from exc
    check_master_list_signer(signer, CertificateError)
    for csca in certs:
        try:
            verify_issued_by(signer, csca)
            return MasterListReport(certs, refused)
        except SignatureError:
            continue
    raise CertificateError("master list signer is not issued by a listed CSCA")


def parse_master_list(data: bytes) -> list[x509.Certificate]:
    """The usable certificates of a master list (see `read_master_list`)."""
    return read_master_list(data).certificates


class TrustStore:
    """A set of trusted CSCA certificates and the verified CRLs they published.

    ``stale_crl`` says what a CRL past its nextUpdate does to the documents of its CSCA: "block"
    (the default) fails the chain check with the reason, "warn" only logs it (see `idcard.icao.crl`).
    """

    def __init__(self, certificates: Iterable[x509.Certificate] = (), *, stale_crl: str = "block") -> None:
        if stale_crl not in ("block", "warn"):
            raise ValueError("stale_crl must be 'block' or 'warn'")
        self._certs: dict[bytes, x509.Certificate] = {}
        self._crls = CrlSet()
        self.stale_crl = stale_crl
        for cert in certificates:
            self.add(cert)

    def __len__(self) -> int:
        return len(self._certs)

    @property
    def certificates(self) -> list[x509.Certificate]:
        """All trusted CSCA certificates."""
        return list(self._certs.values())

    def add(self, cert: x509.Certificate) -> None:
        """Trust ``cert`` as a CSCA."""
        fingerprint = cert.public_bytes(serialization.Encoding.DER)
        self._certs[hashlib.sha256(fingerprint).digest()] = cert

    @property
    def crls(self) -> list[TrustedCrl]:
        """The CRLs whose signature verified, with the CSCA of each."""
        return list(self._crls)

    def add_crl(self, crl: x509.CertificateRevocationList) -> TrustedCrl:
        """Keep ``crl`` once a trusted CSCA's key is found to have signed it; raises CertificateError."""
        return self._crls.add(crl, verify_crl(crl, self._certs.values()))

    def add_bytes(self, data: bytes) -> list[x509.Certificate]:
        """Trust certificates from PEM/DER bytes or a master list."""
        return self.add_report(data).certificates

    def add_report(self, data: bytes) -> MasterListReport:
        """Trust certificates from PEM/DER bytes or a master list, saying which entries were refused."""
        if looks_like_crl(data):
            raise CertificateError("this is a CRL, not certificates: add it with add_crl")
        try:
            report = MasterListReport(load_certificates(data))
        except CertificateError:
            report = read_master_list(data)
        for cert in report.certificates:
            self.add(cert)
        return report

    @classmethod
    def from_folder(cls, folder: str | os.PathLike, *, stale_crl: str = "block") -> TrustStore:
        """Load every certificate, master list and CRL file found in ``folder``.

        CRLs are loaded last, since each must verify with a CSCA of the folder (a CRL whose CSCA is
        missing or whose signature fails makes the folder unusable, like any broken file).
        """
        store = cls(stale_crl=stale_crl)
        path = Path(folder)
        if not path.is_dir():
            raise TrustStoreError(f"trust store folder {path} does not exist")
        crls = []
        for item in sorted(path.iterdir()):
            if not item.is_file() or item.stat().st_size > MAX_FILE_SIZE:
                continue
            data = item.read_bytes()
            try:
                if looks_like_crl(data):
                    crls.append((item, data))
                else:
                    store.add_bytes(data)
            except CertificateError as exc:
                raise TrustStoreError(f"{item.name}: {exc}") from exc
        for item, data in crls:
            try:
                store.add_crl(load_crl(data))
            except CertificateError as exc:
                raise TrustStoreError(f"{item.name}: {exc}") from exc
        return store

    def verify_chain(self, ds_cert: x509.Certificate,
                     at: _dt.datetime | None = None) -> x509.Certificate:
        """Find the trusted CSCA that issued ``ds_cert``; raise ChainError.

        Checks the CSCA signature on the DS certificate, the validity
        period of both certificates at ``at`` (default: now) and the CRLs
        of the CSCA: a revoked DS, or a stale CRL under ``stale_crl="block"``,
        raises ChainError.
        """
        at = at or _dt.datetime.now(_dt.UTC)
        if not _valid_at(ds_cert, at):
            raise ChainError("document signer certificate is not valid at "
                             f"{at:%Y-%m-%d}")
        aki = _key_id(ds_cert, x509.AuthorityKeyIdentifier)
        candidates = [c for c in self._certs.values()
                      if c.subject == ds_cert.issuer or
                      (aki is not None and
                       _key_id(c, x509.SubjectKeyIdentifier) == aki)]
        if not candidates:
            raise ChainError("no trusted CSCA for issuer "
                             f"{ds_cert.issuer.rfc4514_string()}")
        reasons = []
        for csca in candidates:
            if not _is_ca(csca):
                reasons.append("matching CSCA is not a CA certificate")
                continue
            try:
                verify_issued_by(ds_cert, csca)
            except SignatureError as exc:
                reasons.append(str(exc))
                continue
            if not _valid_at(csca, at):
                reasons.append("CSCA certificate is not valid at "
                               f"{at:%Y-%m-%d}")
                continue
            self._crls.check(ds_cert, csca, at, self.stale_crl)
            return csca
        raise ChainError("; ".join(reasons))


def default_file_name(cert: x509.Certificate) -> str:
    """Stable file name for a CSCA certificate in a trust-store folder."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return f"csca-{hashlib.sha256(der).hexdigest()[:24]}.der"


def import_into_folder(folder: str | os.PathLike, data: bytes) -> list[Path]:
    """Store the CSCA certificates from ``data`` (certs or a master list); see `import_report`."""
    return import_report(folder, data)[0]


def import_report(folder: str | os.PathLike, data: bytes) -> tuple[list[Path], list[tuple[int, str]]]:
    """Store the CSCA certificates from ``data`` (certs or a master list).

    Each certificate becomes one DER file; existing files are kept. Returns the paths written or
    already present, and the master-list entries that could not be used (position, reason).
    """
    try:
        report = TrustStore().add_report(data)
    except IdCardError as exc:
        raise TrustStoreError(f"cannot import: {exc}") from exc
    certs = report.certificates
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for cert in certs:
        target = path / default_file_name(cert)
        if not target.exists():
            target.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        written.append(target)
    return written, report.refused


def import_crl_into_folder(folder: str | os.PathLike, data: bytes) -> tuple[Path, TrustedCrl]:
    """Verify a CRL (DER or PEM) against the CSCAs already in ``folder`` and store it there as DER.

    Raises TrustStoreError when the CRL is malformed, names no CSCA of the folder or its signature
    does not verify: an unverified CRL is never written. Returns the file and the verified CRL.
    """
    try:
        crl = load_crl(data)
        entry = TrustStore.from_folder(folder).add_crl(crl)
    except IdCardError as exc:
        raise TrustStoreError(f"cannot import: {exc}") from exc
    target = Path(folder) / crl_file_name(crl)
    if not target.exists():
        target.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return target, entry
