"""Test PKI for software cards: CSCA, document signer, CMS signatures.

Generated on the fly with ``cryptography``; subjects say SIMULATED, so
nothing signed here can pass against a production trust store.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass

from asn1crypto import cms
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .. import tlv
from ..icao.profiles import MASTER_LIST_SIGNING_EKU
from ..icao.sod import LDS_SECURITY_OBJECT_OID, LDSSecurityObject

SIMULATED_MARKER = "SIMULATED"
_UTC = _dt.UTC


@dataclass
class TestPKI:
    """A country signing CA and one document signer."""

    csca_key: object
    csca_cert: x509.Certificate
    ds_key: object
    ds_cert: x509.Certificate
    signature: str

    @property
    def csca_pem(self) -> bytes:
        """The CSCA certificate in PEM form, for a trust store."""
        return self.csca_cert.public_bytes(serialization.Encoding.PEM)


def _new_key(kind: str):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"key type must be 'rsa' or 'ec', not {kind!r}")


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                           f"idcard software card ({SIMULATED_MARKER})"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sign_cert(builder: x509.CertificateBuilder, key, pss: bool):
    if isinstance(key, rsa.RSAPrivateKey) and pss:
        return builder.sign(key, hashes.SHA256(), rsa_padding=padding.PSS(
            padding.MGF1(hashes.SHA256()), 32))
    return builder.sign(key, hashes.SHA256())


# SOD signature schemes a test PKI can use; the *-key-oid ones name the algorithm by the signer's bare key
# OID (rsaEncryption, id-ecPublicKey), as real documents of several issuers do.
SIGNATURE_SCHEMES = ("rsa-pkcs1", "rsa-pss", "ecdsa", "rsa-key-oid", "ecdsa-key-oid")
KEY_OIDS = {"rsa": "1.2.840.113549.1.1.1", "ec": "1.2.840.10045.2.1"}


def generate_pki(*, country: str = "UT", signature: str = "rsa-pkcs1",
                 csca_key_type: str = "ec",
                 not_before: _dt.datetime | None = None,
                 days: int = 3650) -> TestPKI:
    """Generate a CSCA and a document signer.

    ``signature`` picks the SOD signature scheme: ``rsa-pkcs1``,
    ``rsa-pss`` or ``ecdsa`` (which also decides the DS key type).
    """
    if signature not in SIGNATURE_SCHEMES:
        raise ValueError(f"unknown signature scheme {signature!r}")
    start = not_before or _dt.datetime.now(_UTC) - _dt.timedelta(days=1)
    end = start + _dt.timedelta(days=days)
    csca_key = _new_key(csca_key_type)
    csca_name = _name(country, "Test CSCA")
    ski = x509.SubjectKeyIdentifier.from_public_key(csca_key.public_key())
    csca_cert = _sign_cert(
        x509.CertificateBuilder().subject_name(csca_name)
        .issuer_name(csca_name).public_key(csca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True,
                                     True, False, False), True)
        .add_extension(ski, False), csca_key, signature == "rsa-pss")
    ds_key = _new_key("ec" if signature.startswith("ecdsa") else "rsa")
    ds_cert = _sign_cert(
        x509.CertificateBuilder().subject_name(_name(country, "Test DS"))
        .issuer_name(csca_name).public_key(ds_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False,
                                     False, False, False), True)
        .add_extension(x509.AuthorityKeyIdentifier
                       .from_issuer_subject_key_identifier(ski), False),
        csca_key, signature == "rsa-pss")
    return TestPKI(csca_key, csca_cert, ds_key, ds_cert, signature)


def sign_cms(content: bytes, content_type: str, key, cert: x509.Certificate,
             signature: str = "rsa-pkcs1", hash_name: str = "sha256") -> bytes:
    """CMS SignedData (as ContentInfo DER) over ``content`` by ``key``.

    ``signature`` is ``rsa-pkcs1``, ``rsa-pss`` or ``ecdsa``; the signer
    certificate is embedded and named by issuer and serial number.
    """
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": [content_type]}),
        cms.CMSAttribute({"type": "message_digest", "values": [
            hashlib.new(hash_name, content).digest()]})])
    to_sign = attrs.dump()
    chosen = {"sha256": hashes.SHA256, "sha384": hashes.SHA384,
              "sha512": hashes.SHA512, "sha1": hashes.SHA1}[hash_name]()
    if signature in ("ecdsa", "ecdsa-key-oid"):
        sig = key.sign(to_sign, ec.ECDSA(chosen))
        # Many issuers name the algorithm by the bare key OID (id-ecPublicKey); the hash is the digest's.
        algorithm = {"algorithm": KEY_OIDS["ec"] if signature == "ecdsa-key-oid" else f"{hash_name}_ecdsa"}
    elif signature == "rsa-pss":
        salt = chosen.digest_size
        sig = key.sign(to_sign, padding.PSS(padding.MGF1(chosen), salt),
                       chosen)
        algorithm = {"algorithm": "rsassa_pss", "parameters": {
            "hash_algorithm": {"algorithm": hash_name},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {
                "algorithm": hash_name}},
            "salt_length": salt, "trailer_field": "trailer_field_bc"}}
    else:
        sig = key.sign(to_sign, padding.PKCS1v15(), chosen)
        algorithm = {"algorithm": KEY_OIDS["rsa"] if signature == "rsa-key-oid" else f"{hash_name}_rsa"}
    signer_cert = a_x509.Certificate.load(
        cert.public_bytes(serialization.Encoding.DER))
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": signer_cert.issuer,
            "serial_number": signer_cert.serial_number}}),
        "digest_algorithm": {"algorithm": hash_name},
        "signed_attrs": attrs, "signature_algorithm": algorithm,
        "signature": sig})
    signed = cms.SignedData({
        "version": "v3", "digest_algorithms": [{"algorithm": hash_name}],
        "encap_content_info": {"content_type": content_type,
                               "content": content},
        "certificates": [signer_cert], "signer_infos": [signer]})
    return cms.ContentInfo({"content_type": "signed_data",
                            "content": signed}).dump()


def sign_sod(files: dict[int, bytes], pki: TestPKI,
             hash_name: str = "sha256") -> bytes:
    """Build EF.SOD over data groups ``files`` (numbered) signed by the DS."""
    lso = LDSSecurityObject({
        "version": 0, "hash_algorithm": {"algorithm": hash_name},
        "data_group_hash_values": [
            {"data_group_number": n,
             "data_group_hash_value": hashlib.new(hash_name, d).digest()}
            for n, d in sorted(files.items())]}).dump()
    return tlv.encode(0x77, sign_cms(lso, LDS_SECURITY_OBJECT_OID, pki.ds_key,
                                     pki.ds_cert, pki.signature, hash_name))


def build_master_list(cscas: list[x509.Certificate], signer_key,
                      signer_cert: x509.Certificate,
                      signature: str = "ecdsa") -> bytes:
    """An ICAO CSCA master list (CMS-signed CscaMasterList)."""
    from ..icao.trust import MASTER_LIST_OID, CscaMasterList

    content = CscaMasterList({"version": 0, "cert_list": [
        a_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in cscas]}).dump()
    return sign_cms(content, MASTER_LIST_OID, signer_key, signer_cert,
                    signature)


def issue_certificate(pki: TestPKI, common_name: str, key=None, *,
                      extended_key_usage: tuple[str, ...] = (MASTER_LIST_SIGNING_EKU,),
                      key_usage: bool = True):
    """Issue an end-entity certificate from the test CSCA (key, cert).

    By default it is a master-list signer as Doc 9303 Part 12 profiles one: keyUsage digitalSignature
    and the ICAO master-list signing extended key usage; pass ``extended_key_usage=()`` or
    ``key_usage=False`` to leave either out.
    """
    key = key or _new_key("ec")
    ski = x509.SubjectKeyIdentifier.from_public_key(pki.csca_key.public_key())
    now = _dt.datetime.now(_UTC) - _dt.timedelta(days=1)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(pki.csca_cert.subject.get_attributes_for_oid(
                NameOID.COUNTRY_NAME)[0].value, common_name))
            .issuer_name(pki.csca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + _dt.timedelta(days=90))
            .add_extension(x509.AuthorityKeyIdentifier
                           .from_issuer_subject_key_identifier(ski), False))
    if key_usage:
        cert = cert.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
    if extended_key_usage:
        cert = cert.add_extension(x509.ExtendedKeyUsage(
            [x509.ObjectIdentifier(oid) for oid in extended_key_usage]), True)
    return key, _sign_cert(cert, pki.csca_key, False)


def issue_crl(pki: TestPKI, revoked: tuple[x509.Certificate, ...] | list[x509.Certificate] = (), *, key=None,
              this_update: _dt.datetime | None = None, days: int = 90,
              reason: x509.ReasonFlags | None = x509.ReasonFlags.key_compromise
              ) -> x509.CertificateRevocationList:
    """A CRL of the test CSCA listing ``revoked`` (signed by ``key``, default the CSCA's own key).

    ``this_update`` defaults to yesterday and nextUpdate is ``days`` later, so an old ``this_update``
    gives a CRL that is already past its nextUpdate (stale).
    """
    start = this_update or _dt.datetime.now(_UTC) - _dt.timedelta(days=1)
    ski = x509.SubjectKeyIdentifier.from_public_key(pki.csca_key.public_key())
    builder = (x509.CertificateRevocationListBuilder().issuer_name(pki.csca_cert.subject)
               .last_update(start).next_update(start + _dt.timedelta(days=days))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
               .add_extension(x509.CRLNumber(1), False))
    for cert in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(start)
        if reason is not None:
            entry = entry.add_extension(x509.CRLReason(reason), False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(key or pki.csca_key, hashes.SHA256())
