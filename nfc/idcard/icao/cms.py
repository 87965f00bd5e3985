"""CMS SignedData handling shared by EF.SOD and ICAO master lists.

asn1crypto decodes lazily and raises assorted exception types on malformed
input, so every access goes through :func:`guard`, which turns them into the
caller's own error class. Signatures are checked with ``cryptography``.
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.utils import CryptographyDeprecationWarning

from ..errors import IdCardError, ParseError, SignatureError
from .keys import certificate_public_key

HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224,
          "sha256": hashes.SHA256, "sha384": hashes.SHA384,
          "sha512": hashes.SHA512}


@contextlib.contextmanager
def guard(error: type[IdCardError], what: str) -> Iterator[None]:
    """Turn any decoding exception inside the block into ``error``."""
    try:
        yield
    except IdCardError:
        raise
    except Exception as exc:  # asn1crypto raises many types on bad input.
        raise error(f"{what}: {type(exc).__name__}: {exc}") from exc


def digest(name: str, data: bytes) -> bytes:
    """Hash ``data`` with the hash called ``name`` (asn1crypto spelling)."""
    if name not in HASHES:
        raise SignatureError(f"unsupported hash algorithm {name}")
    return hashlib.new(name, data).digest()


@dataclass(frozen=True)
class SignedContent:
    """The parts of a one-signer SignedData needed for verification."""

    content_type: str
    content: bytes
    signer_info: cms.SignerInfo
    certificates: tuple[x509.Certificate, ...]
    signer_certificate: x509.Certificate | None
    digest_algorithm: str


def parse_signed_data(data: bytes, error: type[ParseError],
                      content_type: str) -> SignedContent:
    """Decode a ContentInfo holding SignedData with one signer.

    Raises ``error`` unless the structure is well formed and its
    encapsulated content type is ``content_type``.
    """
    with guard(error, "CMS SignedData"):
        info = cms.ContentInfo.load(bytes(data), strict=True)
        if info["content_type"].native != "signed_data":
            raise error("CMS content is not SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        found_type = encap["content_type"].dotted
        if found_type != content_type:
            raise error(f"encapsulated content type is {found_type}, "
                        f"expected {content_type}")
        if encap["content"].native is None:
            raise error("SignedData has no encapsulated content")
        # RFC 5652 5.1 and Doc 9303 Part 10: content other than id-data makes the SignedData version 3.
        if signed["version"].native != "v3":
            raise error(f"SignedData version is {signed['version'].native}, expected v3")
        content = encap["content"].contents
        signers = list(signed["signer_infos"])
        if len(signers) != 1:
            raise error(f"expected one SignerInfo, found {len(signers)}")
        signer = signers[0]
        certs = []
        for choice in signed["certificates"] or []:
            if choice.name == "certificate":
                with warnings.catch_warnings():
                    # cryptography only warns about RFC 5280 violations such
                    # as negative serial numbers and will reject them in a
                    # later release; refuse them now, whatever the version.
                    warnings.simplefilter("error",
                                          CryptographyDeprecationWarning)
                    certs.append(x509.load_der_x509_certificate(
                        choice.chosen.dump()))
        digest_name = signer["digest_algorithm"]["algorithm"].native
        match = _find_signer(signer, certs)
        # Touch the remaining fields now so malformed ones fail here, inside
        # the guard, rather than later during verification.
        signer["signature"].native  # noqa: B018 - touching it makes asn1crypto parse (and reject) now
        signer["signature_algorithm"].native  # noqa: B018 - touching it makes asn1crypto parse (and reject) now
        if signer["signed_attrs"].native is not None:
            signer["signed_attrs"].dump()
    return SignedContent(found_type, content, signer, tuple(certs), match,
                         digest_name)


def _find_signer(signer: cms.SignerInfo, certs: list[x509.Certificate]
                 ) -> x509.Certificate | None:
    sid = signer["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            serial = sid.chosen["serial_number"].native
            issuer = sid.chosen["issuer"].dump()
            if cert.serial_number == serial and \
                    cert.issuer.public_bytes() == issuer:
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.chosen.native:
                return cert
    return None


# Signature algorithms named by the signer's key type only, common in real SODs and master lists.
KEY_ONLY_SCHEMES = {"1.2.840.113549.1.1.1": "rsassa_pkcs1v15", "1.2.840.10045.2.1": "ecdsa"}


def verify_public_key_signature(key, signature: bytes, data: bytes,
                                algorithm, hash_name: str) -> None:
    """Verify ``signature`` over ``data`` from an asn1crypto algorithm id.

    Supports RSA PKCS#1 v1.5, RSA-PSS and ECDSA, also named by the bare key OID (rsaEncryption,
    id-ecPublicKey: the hash is then ``hash_name``, the SignerInfo's digest algorithm); raises SignatureError.
    """
    with guard(SignatureError, "signature algorithm"):
        dotted = algorithm["algorithm"].dotted
        scheme = KEY_ONLY_SCHEMES.get(dotted) or algorithm.signature_algo
        params = algorithm["parameters"]
        if dotted in KEY_ONLY_SCHEMES:
            pass  # the key says the scheme, the digest algorithm says the hash
        elif scheme == "rsassa_pss":
            hash_name = params["hash_algorithm"]["algorithm"].native
            mgf_hash = params["mask_gen_algorithm"]["parameters"][
                "algorithm"].native
            salt = params["salt_length"].native
        else:
            hash_name = algorithm.hash_algo
    if hash_name not in HASHES:
        raise SignatureError(f"unsupported hash algorithm {hash_name}")
    chosen = HASHES[hash_name]()
    try:
        if scheme == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            if mgf_hash not in HASHES:
                raise SignatureError(f"unsupported MGF1 hash {mgf_hash}")
            key.verify(signature, data,
                       padding.PSS(padding.MGF1(HASHES[mgf_hash]()), salt),
                       chosen)
        elif scheme == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), chosen)
        elif scheme == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(chosen))
        else:
            raise SignatureError(
                f"signature scheme {scheme} does not match the signer key")
    except InvalidSignature as exc:
        raise SignatureError("signature does not verify") from exc
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        raise SignatureError(f"signature cannot be checked: {exc}") from exc


def verify_signed_content(signed: SignedContent) -> x509.Certificate:
    """Check the signed attributes and the signature; return the signer cert.

    Raises SignatureError naming what failed.
    """
    cert = signed.signer_certificate
    if cert is None:
        raise SignatureError("signer certificate is not in the SignedData")
    signer = signed.signer_info
    attrs = signer["signed_attrs"]
    content_digest = digest(signed.digest_algorithm, signed.content)
    if attrs.native is None:
        # Without signed attributes the signature covers the content itself.
        signed_bytes = signed.content
    else:
        with guard(SignatureError, "signed attributes"):
            by_type = {a["type"].native: a["values"] for a in attrs}
            message_digest = by_type.get("message_digest")
            content_type = by_type.get("content_type")
            if message_digest is None or len(message_digest) != 1:
                raise SignatureError("messageDigest attribute missing")
            if content_type is None or len(content_type) != 1 or \
                    content_type[0].dotted != signed.content_type:
                raise SignatureError("contentType attribute does not match")
            md = message_digest[0].native
            # The signature covers the attributes DER-encoded as a SET (tag
            # 31), not with the implicit [0] tag they carry in SignerInfo.
            signed_bytes = b"\x31" + attrs.dump()[1:]
        if md != content_digest:
            raise SignatureError("messageDigest does not match the content")
    key = certificate_public_key(cert, SignatureError, "signer key")
    verify_public_key_signature(key, signer["signature"].native, signed_bytes,
                                signer["signature_algorithm"],
                                signed.digest_algorithm)
    return cert
