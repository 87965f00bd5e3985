"""Key and certificate encodings real issuers use, for testing the verifier against them.

``cryptography`` writes every EC key by curve OID and every RSA modulus correctly; documents of
several states do neither. These helpers re-encode test keys the way those documents do and
re-sign certificates around them, so the tests exercise the same bytes the verifier meets.
Never for production: :class:`SoftwareECPrivateKey` is variable-time Python.
"""

from __future__ import annotations

import secrets

from asn1crypto import core
from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from ..icao.curves import BY_NAME
from ..icao.ecdsa import SoftwareECPublicKey, hash_to_int
from ..icao.ecmath import Curve, multiply


def encoded_point(public_key, compressed: bool = False) -> bytes:
    """X9.62 encoding of an EC public key's point."""
    form = serialization.PublicFormat.CompressedPoint if compressed else serialization.PublicFormat.UncompressedPoint
    return public_key.public_bytes(serialization.Encoding.X962, form)


def explicit_ec_spki(params: Curve, point: bytes, *, compressed_base: bool = False,
                     cofactor: bool = True) -> bytes:
    """SubjectPublicKeyInfo with the curve written as explicit ECParameters (SEC 1, 2.2.1)."""
    size = params.size
    if compressed_base:
        base = bytes([2 | (params.gy & 1)]) + params.gx.to_bytes(size, "big")
    else:
        base = b"\x04" + params.gx.to_bytes(size, "big") + params.gy.to_bytes(size, "big")
    domain = {"version": "ecdpVer1",
              "field_id": {"field_type": "prime_field", "parameters": params.p},
              "curve": {"a": params.a.to_bytes(size, "big"), "b": params.b.to_bytes(size, "big")},
              "base": base, "order": params.n}
    if cofactor:
        domain["cofactor"] = params.h
    return a_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": a_keys.ECDomainParameters(
            name="specified", value=a_keys.SpecifiedECDomain(domain))},
        "public_key": point}).dump()


def explicit_spki_of(public_key, **options) -> bytes:
    """`explicit_ec_spki` for a ``cryptography`` (or software) EC public key on a known curve."""
    return explicit_ec_spki(BY_NAME[public_key.curve.name], encoded_point(public_key), **options)


def negative_modulus_spki(public_key: rsa.RSAPublicKey) -> bytes:
    """RSA SubjectPublicKeyInfo whose modulus INTEGER lacks its leading 00 (so it reads negative)."""
    numbers = public_key.public_numbers()
    modulus = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    if not modulus[0] & 0x80:
        raise ValueError("the modulus must have its top bit set to be misread as negative")
    exponent = core.Integer(numbers.e).dump()
    body = b"\x02" + _der_length(len(modulus)) + modulus + exponent
    rsa_key = b"\x30" + _der_length(len(body)) + body
    algorithm = a_x509.AlgorithmIdentifier({"algorithm": "1.2.840.113549.1.1.1", "parameters": core.Null()})
    bits = b"\x03" + _der_length(len(rsa_key) + 1) + b"\x00" + rsa_key
    content = algorithm.dump() + bits
    return b"\x30" + _der_length(len(content)) + content


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def resign_with_spki(cert: x509.Certificate, spki: bytes, issuer_key) -> x509.Certificate:
    """``cert`` with its SubjectPublicKeyInfo replaced by ``spki`` and signed again by ``issuer_key``.

    The signature algorithm stays the one ``cert`` names: ECDSA, RSA PKCS#1 v1.5 or RSA-PSS
    (MGF1 with the same hash, salt of the hash length) with the certificate's hash.
    """
    parsed = a_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    tbs = a_x509.TbsCertificate.load(parsed["tbs_certificate"].dump())
    tbs["subject_public_key_info"] = a_keys.PublicKeyInfo.load(spki)
    to_sign = tbs.dump(force=True)
    chosen = cert.signature_hash_algorithm
    if isinstance(issuer_key, rsa.RSAPrivateKey):
        if parsed["signature_algorithm"]["algorithm"].native == "rsassa_pss":
            pad = padding.PSS(padding.MGF1(chosen), chosen.digest_size)
        else:
            pad = padding.PKCS1v15()
        signature = issuer_key.sign(to_sign, pad, chosen)
    else:
        signature = issuer_key.sign(to_sign, ec.ECDSA(chosen))
    return x509.load_der_x509_certificate(a_x509.Certificate({
        "tbs_certificate": tbs, "signature_algorithm": parsed["signature_algorithm"],
        "signature_value": signature}).dump())


class SoftwareECPrivateKey:
    """An ECDSA signing key on a curve ``cryptography`` lacks (brainpoolP320r1, ...), for tests.

    It offers the two methods the test PKI calls on a key: ``public_key()`` and
    ``sign(data, ec.ECDSA(hash))``, returning a DER signature.
    """

    def __init__(self, curve_name: str) -> None:
        self.params = BY_NAME[curve_name]
        self._secret = secrets.randbelow(self.params.n - 1) + 1

    def public_key(self) -> SoftwareECPublicKey:
        """The matching public key."""
        p = self.params
        return SoftwareECPublicKey(p, multiply(p, self._secret, p.generator))

    def sign(self, data: bytes, signature_algorithm: ec.ECDSA) -> bytes:
        """ECDSA signature (DER) over ``data`` with the algorithm's hash."""
        context = hashes.Hash(signature_algorithm.algorithm)
        context.update(bytes(data))
        p = self.params
        e = hash_to_int(p, context.finalize())
        while True:
            k = secrets.randbelow(p.n - 1) + 1
            r = multiply(p, k, p.generator)[0] % p.n
            s = pow(k, -1, p.n) * (e + r * self._secret) % p.n
            if r and s:
                return utils.encode_dss_signature(r, s)
