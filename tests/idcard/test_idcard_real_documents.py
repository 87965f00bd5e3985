"""Keys as real issuers encode them: explicit EC parameters, curves cryptography lacks, negative RSA
moduli; and the master-list signer's extended key usage (Doc 9303 Part 12)."""

from __future__ import annotations

import dataclasses

import pytest
from asn1crypto import keys as a_keys
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from idcard import tlv
from idcard.cli import nfc_cli
from idcard.errors import CertificateError, LDSError, SignatureError
from idcard.icao.aa import verify_active_authentication
from idcard.icao.curves import BY_NAME, NAMED_CURVES, NATIVE_CURVES
from idcard.icao.ecdsa import SoftwareECPublicKey
from idcard.icao.ecmath import is_on_curve, multiply
from idcard.icao.keys import certificate_public_key, load_public_key
from idcard.icao.lds import FID_SOD, dg_fid, parse_dg15
from idcard.icao.reader import ChipReader
from idcard.icao.trust import TrustStore, read_master_list, verify_issued_by
from idcard.softcard import SoftwareCardTransport, build_document
from idcard.softcard import pki as test_pki
from idcard.softcard.card import sign_challenge
from idcard.softcard.pki import build_master_list, generate_pki, issue_certificate, sign_sod
from idcard.softcard.variants import (
    SoftwareECPrivateKey,
    encoded_point,
    explicit_ec_spki,
    explicit_spki_of,
    negative_modulus_spki,
    resign_with_spki,
)
from idcard.verification import VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app

PA_CHECKS = ("sod_signature", "certificate_chain", "data_group_hashes")


def _spki(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _resign_files(doc, pki, **groups) -> None:
    """Replace data groups of ``doc`` (DG15=...) and sign a fresh EF.SOD over all of them."""
    for name, data in groups.items():
        doc.files[dg_fid(int(name[2:]))] = data
    numbered = {fid - 0x100: data for fid, data in doc.files.items() if 0x101 <= fid <= 0x110}
    doc.files[FID_SOD] = sign_sod(numbered, pki)


def _read(doc, service):
    challenge = service.issue_challenge("s")
    read = ChipReader(SoftwareCardTransport(doc.card())).read(doc.mrz_information, aa_challenge=challenge)
    return service.verify_emrtd(read.files, session_key="s", aa_challenge=read.aa_challenge,
                                aa_response=read.aa_response, simulated=read.simulated)


def test_the_curve_table_matches_openssl():
    """Each generator is on its curve with order n, and for the curves cryptography (OpenSSL) knows,
    its keys lie on our curve and its group order is our n: a mistyped constant cannot pass."""
    for curve in NAMED_CURVES:
        assert is_on_curve(curve, curve.generator), curve.name
        assert multiply(curve, curve.n, curve.generator) is None, curve.name
    for name, native in NATIVE_CURVES.items():
        numbers = ec.generate_private_key(native()).public_key().public_numbers()
        assert is_on_curve(BY_NAME[name], (numbers.x, numbers.y)), name
        assert native().group_order == BY_NAME[name].n, name


@pytest.mark.parametrize("name", sorted(NATIVE_CURVES))
@pytest.mark.parametrize("options", [{}, {"compressed_base": True, "cofactor": False}])
def test_explicit_parameters_load_as_the_named_curve(name, options):
    """cryptography refuses explicit parameters (for brainpool always); they are mapped to the named curve."""
    key = ec.generate_private_key(NATIVE_CURVES[name]())
    spki = explicit_spki_of(key.public_key(), **options)
    if name.startswith("brainpool"):
        with pytest.raises(Exception, match="explicit parameters"):
            load_der_public_key(spki)
    loaded = parse_dg15(tlv.encode(0x6F, spki))
    assert loaded.curve.name == key.curve.name
    assert loaded.public_numbers() == key.public_key().public_numbers()
    signature = key.sign(b"data", ec.ECDSA(hashes.SHA256()))
    loaded.verify(signature, b"data", ec.ECDSA(hashes.SHA256()))


def test_unknown_explicit_curves_and_bad_points_are_refused():
    curve = BY_NAME["brainpoolP256r1"]
    point = encoded_point(ec.generate_private_key(ec.BrainpoolP256R1()).public_key())
    tweaked = dataclasses.replace(curve, b=curve.b ^ 1)
    with pytest.raises(LDSError, match="match no named curve"):
        parse_dg15(tlv.encode(0x6F, explicit_ec_spki(tweaked, point)))
    off_curve = point[:-1] + bytes([point[-1] ^ 1])
    with pytest.raises(LDSError, match="DG15 public key"):
        parse_dg15(tlv.encode(0x6F, explicit_ec_spki(curve, off_curve)))
    with pytest.raises(LDSError, match="not on brainpoolP320r1"):
        parse_dg15(tlv.encode(0x6F, explicit_ec_spki(BY_NAME["brainpoolP320r1"], b"\x04" + bytes(80))))
    # A named curve that is neither in cryptography nor in the table (brainpoolP160r1).
    named = a_keys.PublicKeyInfo({"algorithm": {"algorithm": "ec", "parameters": a_keys.ECDomainParameters(
        name="named", value="1.3.36.3.3.2.8.1.1.1")}, "public_key": b"\x04" + bytes(40)}).dump()
    with pytest.raises(LDSError, match="1.3.36.3.3.2.8.1.1.1, which is not supported"):
        load_public_key(named, LDSError, "DG15 public key")


def test_a_document_with_explicit_brainpool_keys_everywhere_passes(face_jpeg):
    """CSCA (brainpoolP384r1), document signer and DG15 (brainpoolP256r1) all written with explicit
    parameters, as several states do: chain, SOD signature and active authentication all verify."""
    template = generate_pki(signature="ecdsa")
    csca_key = ec.generate_private_key(ec.BrainpoolP384R1())
    ds_key = ec.generate_private_key(ec.BrainpoolP256R1())
    csca = resign_with_spki(template.csca_cert, explicit_spki_of(csca_key.public_key()), csca_key)
    ds = resign_with_spki(template.ds_cert, explicit_spki_of(ds_key.public_key()), csca_key)
    with pytest.raises(Exception, match="explicit parameters"):
        ds.public_key()
    pki = test_pki.TestPKI(csca_key, csca, ds_key, ds, "ecdsa")
    aa_key = ec.generate_private_key(ec.BrainpoolP256R1())
    doc = build_document(pki=pki, face_jpeg=face_jpeg, aa=aa_key)
    _resign_files(doc, pki, DG15=tlv.encode(0x6F, explicit_spki_of(aa_key.public_key())))
    result = _read(doc, VerificationService(TrustStore([csca])))
    assert result.ok, result.to_dict()
    assert result.checks["active_authentication"].status == "passed"
    assert result.face_proven


def test_a_curve_cryptography_lacks_verifies_in_software(face_jpeg):
    """brainpoolP320r1 (Doc 9303 Part 11 lists it; cryptography has no such curve): a CSCA with explicit
    parameters signs a DS named by OID, whose key signs the SOD."""
    template = generate_pki(signature="ecdsa")
    csca_key, ds_key = SoftwareECPrivateKey("brainpoolP320r1"), SoftwareECPrivateKey("brainpoolP320r1")
    csca = resign_with_spki(template.csca_cert, explicit_spki_of(csca_key.public_key()), csca_key)
    ds = resign_with_spki(template.ds_cert, _spki(ds_key.public_key()), csca_key)
    with pytest.raises(Exception, match="not supported"):
        ds.public_key()
    key = certificate_public_key(ds, SignatureError)
    assert isinstance(key, SoftwareECPublicKey) and isinstance(key, ec.EllipticCurvePublicKey)
    assert key.curve.name == "brainpoolP320r1" and key == ds_key.public_key()
    pki = test_pki.TestPKI(csca_key, csca, ds_key, ds, "ecdsa")
    doc = build_document(pki=pki, face_jpeg=face_jpeg, aa=None)
    service = VerificationService(TrustStore([csca]))
    result = service.verify_emrtd({"DG1": doc.data_group(1), "DG2": doc.data_group(2),
                                   "DG11": doc.data_group(11), "SOD": doc.files[FID_SOD]})
    assert result.ok, result.to_dict()
    # A signature by another key on the same curve does not verify.
    other = SoftwareECPrivateKey("brainpoolP320r1")
    forged = resign_with_spki(template.ds_cert, _spki(ds_key.public_key()), other)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_issued_by(forged, csca)
    # Active authentication with a DG15 key on that curve (plain r || s of 40 bytes each).
    aa_key = SoftwareECPrivateKey("brainpoolP320r1")
    dg15_key = parse_dg15(tlv.encode(0x6F, explicit_spki_of(aa_key.public_key())))
    challenge = b"\x07" * 8
    r, s = decode_dss_signature(aa_key.sign(challenge, ec.ECDSA(hashes.SHA256())))
    verify_active_authentication(dg15_key, challenge, r.to_bytes(40, "big") + s.to_bytes(40, "big"), "sha256")
    with pytest.raises(SignatureError, match="does not verify"):
        verify_active_authentication(dg15_key, b"\x08" * 8, r.to_bytes(40, "big") + s.to_bytes(40, "big"), "sha256")


def test_dg15_rsa_modulus_written_negative_is_read_unsigned():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    spki = negative_modulus_spki(key.public_key())
    with pytest.raises(ValueError):
        load_der_public_key(spki)  # cryptography refuses the key as written
    loaded = parse_dg15(tlv.encode(0x6F, spki))
    assert loaded.public_numbers() == key.public_key().public_numbers()
    challenge = b"\x42" * 8
    verify_active_authentication(loaded, challenge, sign_challenge(key, challenge))
    # A well-formed key is loaded as it is, never reinterpreted.
    assert parse_dg15(tlv.encode(0x6F, _spki(key.public_key()))).public_numbers() == loaded.public_numbers()


def test_a_master_list_signer_with_explicit_parameters_is_accepted(pkis):
    pki = pkis["rsa-pkcs1"]
    signer_key = ec.generate_private_key(ec.BrainpoolP256R1())
    _, cert = issue_certificate(pki, "ML Signer", key=signer_key)
    cert = resign_with_spki(cert, explicit_spki_of(signer_key.public_key()), pki.csca_key)
    report = read_master_list(build_master_list([pki.csca_cert], signer_key, cert))
    assert [c.subject for c in report.certificates] == [pki.csca_cert.subject]


@pytest.mark.parametrize("usage, reason", [
    ((), "has no extended key usage"),
    (("1.3.6.1.5.5.7.3.1",), "not allowed to sign master lists"),
])
def test_a_master_list_signer_without_the_icao_eku_is_refused(tmp_path, pkis, usage, reason):
    """Doc 9303 Part 12: the signer must carry id-icao-cscaMasterListSigningKey (2.23.136.1.1.3);
    any certificate of the CSCA (a document signer, say) could otherwise sign a list of CSCAs."""
    pki = pkis["rsa-pkcs1"]
    key, cert = issue_certificate(pki, "Not a list signer", extended_key_usage=usage)
    ml = build_master_list([pki.csca_cert, pkis["ecdsa"].csca_cert], key, cert)
    with pytest.raises(CertificateError, match=reason):
        TrustStore().add_bytes(ml)
    (tmp_path / "list.ml").write_bytes(ml)
    result = CliRunner().invoke(nfc_cli, ["trust", "import", str(tmp_path / "list.ml"),
                                          "--trust-store", str(tmp_path / "store")])
    assert result.exit_code == 1 and reason in result.output
    assert not list((tmp_path / "store").glob("*"))  # all or nothing: no certificate was stored


def test_the_eku_is_enough_when_key_usage_is_absent(pkis):
    pki = pkis["rsa-pkcs1"]
    key, cert = issue_certificate(pki, "ML Signer", key_usage=False)
    assert len(read_master_list(build_master_list([pki.csca_cert], key, cert)).certificates) == 1
