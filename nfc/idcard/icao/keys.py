"""Public keys from certificates and DG15 as real issuers write them.

``cryptography`` refuses three encodings that documents of several states carry:

* EC keys with explicit domain parameters (p, a, b, G, n, h) instead of a curve OID, common for
  brainpool curves in document-signer and CSCA certificates and in DG15. The parameters are matched
  against :data:`idcard.icao.curves.NAMED_CURVES` and the key is loaded as the curve they equal;
  parameters that equal no known curve are refused, since an unknown curve may be a weak one.
* Curves ``cryptography`` does not implement (brainpoolP192r1, P224r1, P320r1), named or explicit:
  these become :class:`~idcard.icao.ecdsa.SoftwareECPublicKey`.
* An RSA modulus written as a negative INTEGER (top bit set, leading 00 missing). The key is only
  re-read as unsigned when the normal load fails, so a well-formed key is never reinterpreted.
"""

from __future__ import annotations

from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from ..errors import IdCardError
from .curves import BY_OID, NATIVE_CURVES, match_parameters
from .ecdsa import SoftwareECPublicKey
from .ecmath import Curve


def load_public_key(spki: bytes, error: type[IdCardError], what: str = "public key"):
    """Load a DER SubjectPublicKeyInfo; raises ``error`` naming ``what`` when it cannot be used."""
    spki = bytes(spki)
    try:
        return load_der_public_key(spki)
    except (ValueError, UnsupportedAlgorithm) as exc:
        first = exc
    try:
        info = a_keys.PublicKeyInfo.load(spki, strict=True)
        algorithm = info["algorithm"]["algorithm"].native
        if algorithm == "ec":
            return _ec_key(info, error, what)
        if algorithm == "rsa":
            key = _unsigned_rsa_key(info)
            if key is not None:
                return key
    except IdCardError:
        raise
    except Exception as exc:  # asn1crypto raises many types on malformed input
        raise error(f"{what} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    raise error(f"{what} cannot be loaded: {first}") from first


def certificate_public_key(cert: x509.Certificate, error: type[IdCardError], what: str = "certificate key"):
    """The subject public key of ``cert``, also when ``cryptography`` alone cannot load it."""
    try:
        return cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        pass
    try:
        tbs = a_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))["tbs_certificate"]
        spki = tbs["subject_public_key_info"].dump()
    except Exception as exc:  # asn1crypto raises many types on malformed input
        raise error(f"{what} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    return load_public_key(spki, error, what)


def _ec_key(info: a_keys.PublicKeyInfo, error: type[IdCardError], what: str):
    parameters = info["algorithm"]["parameters"]
    point = info["public_key"].native
    if parameters.name == "named":
        curve = BY_OID.get(parameters.chosen.dotted)
        if curve is None:
            raise error(f"{what} is on curve {parameters.chosen.dotted}, which is not supported")
    elif parameters.name == "specified":
        curve = _named_curve_of(parameters.chosen, error, what)
    else:
        raise error(f"{what} inherits its EC parameters (implicitCA), which a document cannot do")
    try:
        return _load_point(curve, point)
    except ValueError as exc:
        raise error(f"{what}: {exc}") from exc


def _named_curve_of(domain: a_keys.SpecifiedECDomain, error: type[IdCardError], what: str) -> Curve:
    field = domain["field_id"]
    if field["field_type"].native != "prime_field":
        raise error(f"{what} has explicit EC parameters over a binary field, which no eMRTD curve uses")
    prime = field["parameters"].native
    a = int.from_bytes(domain["curve"]["a"].native, "big")
    b = int.from_bytes(domain["curve"]["b"].native, "big")
    cofactor = domain["cofactor"].native
    curve = match_parameters(prime, a, b, domain["base"].native, domain["order"].native, cofactor)
    if curve is None:
        raise error(f"{what} has explicit EC parameters ({prime.bit_length()}-bit prime field) that match no "
                    "named curve: unknown curves are refused")
    return curve


def _load_point(curve: Curve, point: bytes):
    native = NATIVE_CURVES.get(curve.name)
    if native is None:
        return SoftwareECPublicKey.from_encoded(curve, point)
    return ec.EllipticCurvePublicKey.from_encoded_point(native(), point)


def _unsigned_rsa_key(info: a_keys.PublicKeyInfo) -> rsa.RSAPublicKey | None:
    """The RSA key read with its modulus as unsigned, when the modulus was written negative."""
    parsed = info["public_key"].parsed
    if parsed["modulus"].native >= 0:
        return None
    modulus = int.from_bytes(parsed["modulus"].contents, "big")
    exponent = parsed["public_exponent"].native
    try:
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except ValueError:
        return None
