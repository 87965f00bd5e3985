"""Server-side verification: passive and active authentication, nonces."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from asn1crypto import algos
from asn1crypto import x509 as a_x509
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from idcard import tlv
from idcard.cli import nfc_cli
from idcard.errors import CertificateError, SignatureError, TrustStoreError
from idcard.icao.aa import verify_active_authentication
from idcard.icao.cms import verify_public_key_signature
from idcard.icao.lds import parse_dg15
from idcard.icao.reader import ChipReader
from idcard.icao.trust import MASTER_LIST_OID, CscaMasterList, TrustStore, read_master_list
from idcard.softcard import SoftwareCardTransport, build_document
from idcard.softcard.card import sign_challenge
from idcard.softcard.pki import build_master_list, generate_pki, issue_certificate, sign_cms
from idcard.verification import InMemoryNonceStore, VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app


def _files(doc):
    names = {0x011E: "COM", 0x011D: "SOD"}
    return {names.get(fid, f"DG{fid - 0x100}"): data
            for fid, data in doc.files.items()}


def _read(doc, service, session="s1", **kwargs):
    challenge = service.issue_challenge(session)
    result = ChipReader(SoftwareCardTransport(doc.card())).read(
        doc.mrz_information, aa_challenge=challenge)
    return service.verify_emrtd(result.files, session_key=session,
                                aa_challenge=result.aa_challenge,
                                aa_response=result.aa_response,
                                simulated=result.simulated, **kwargs)


def _status(result):
    return {name: check.status for name, check in result.checks.items()}


@pytest.mark.parametrize("fixture", ["doc_ec", "doc_rsa", "doc_no_aa"])
def test_genuine_documents_pass(fixture, request):
    doc = request.getfixturevalue(fixture)
    service = VerificationService(TrustStore([doc.csca_certificate]))
    result = _read(doc, service)
    assert result.ok, result.to_dict()
    expected_aa = "skipped" if fixture == "doc_no_aa" else "passed"
    assert _status(result) == {
        "mrz_check_digits": "passed", "sod_signature": "passed",
        "certificate_chain": "passed", "data_group_hashes": "passed",
        "active_authentication": expected_aa, "document_expiry": "passed"}
    assert result.simulated and result.face_proven
    assert result.face_image == doc.face_jpeg
    assert result.identity.document_number == doc.mrz.document_number
    body = json.loads(json.dumps(result.to_dict(include_face=True)))
    assert body["checks"]["sod_signature"]["status"] == "passed"
    assert body["face_image_base64"]


def test_sod_signature_schemes_are_reported(doc_ec, doc_rsa, doc_no_aa):
    reasons = set()
    for doc in (doc_ec, doc_rsa, doc_no_aa):
        service = VerificationService(TrustStore([doc.csca_certificate]))
        result = service.verify_emrtd(_files(doc))
        reasons.add(doc.pki.signature)
        assert result.checks["sod_signature"].status == "passed"
    assert reasons == {"rsa-pkcs1", "ecdsa", "rsa-pss"}


def test_tampered_data_group_fails_hash_check(doc_no_aa):
    files = _files(doc_no_aa)
    dg2 = bytearray(files["DG2"])
    dg2[-10] ^= 0xFF  # inside the JPEG
    files["DG2"] = bytes(dg2)
    service = VerificationService(TrustStore([doc_no_aa.csca_certificate]))
    result = service.verify_emrtd(files)
    assert not result.ok and result.failed() == ["data_group_hashes"]
    assert "DG2 hash does not match" in \
        result.checks["data_group_hashes"].reason
    assert not result.face_proven


def test_untrusted_csca(doc_ec, pkis):
    empty = _read(doc_ec, VerificationService(TrustStore()))
    assert empty.failed() == ["certificate_chain", "active_authentication"]
    assert "not counted" in empty.checks["active_authentication"].reason
    assert "no trusted CSCA" in empty.checks["certificate_chain"].reason
    # Another CSCA with the same name: found, but its key did not sign.
    other = VerificationService(TrustStore([pkis["ecdsa"].csca_cert]))
    result = other.verify_emrtd(_files(doc_ec))
    assert "does not verify" in result.checks["certificate_chain"].reason


def test_bad_sod_signature(doc_no_aa):
    files = _files(doc_no_aa)
    sod = bytearray(files["SOD"])
    sod[-1] ^= 0x01  # last byte of the SignerInfo signature
    files["SOD"] = bytes(sod)
    result = VerificationService(TrustStore([doc_no_aa.csca_certificate])
                                 ).verify_emrtd(files)
    assert result.checks["sod_signature"].status == "failed"
    assert "signature does not verify" in result.checks["sod_signature"].reason
    assert result.checks["certificate_chain"].status == "skipped"
    assert not result.ok


def test_altered_security_object_breaks_message_digest(doc_no_aa):
    files = _files(doc_no_aa)
    dg1_hash = __import__("hashlib").sha256(files["DG1"]).digest()
    files["SOD"] = files["SOD"].replace(dg1_hash, bytes(32))
    result = VerificationService(TrustStore([doc_no_aa.csca_certificate])
                                 ).verify_emrtd(files)
    assert "messageDigest" in result.checks["sod_signature"].reason


def test_expired_document(pkis, face_jpeg):
    doc = build_document(pki=pkis["rsa-pkcs1"], face_jpeg=face_jpeg, aa=None,
                         expiry_date="200101")
    result = VerificationService(TrustStore([doc.csca_certificate])
                                 ).verify_emrtd(_files(doc))
    assert result.failed() == ["document_expiry"]
    assert result.checks["document_expiry"].reason == \
        "document expired on 2020-01-01"


def test_certificates_checked_at_verification_time(doc_no_aa):
    later = dt.datetime(2045, 1, 1, tzinfo=dt.UTC)
    service = VerificationService(TrustStore([doc_no_aa.csca_certificate]),
                                  now=lambda: later)
    result = service.verify_emrtd(_files(doc_no_aa))
    assert "not valid at 2045-01-01" in \
        result.checks["certificate_chain"].reason
    assert result.checks["document_expiry"].status == "failed"


def test_replayed_nonce_is_rejected(doc_ec):
    service = VerificationService(TrustStore([doc_ec.csca_certificate]))
    challenge = service.issue_challenge("s")
    read = ChipReader(SoftwareCardTransport(doc_ec.card())).read(
        doc_ec.mrz_information, aa_challenge=challenge)
    args = dict(session_key="s", aa_challenge=challenge,
                aa_response=read.aa_response)
    assert service.verify_emrtd(read.files, **args).ok
    replay = service.verify_emrtd(read.files, **args)
    assert replay.failed() == ["active_authentication"]
    assert "already used" in replay.checks["active_authentication"].reason


def test_challenge_chosen_by_client_is_rejected(doc_ec):
    service = VerificationService(TrustStore([doc_ec.csca_certificate]))
    service.issue_challenge("s")
    mine = b"\x00" * 8
    response = sign_challenge(doc_ec.aa_key, mine, "sha256")
    result = service.verify_emrtd(_files(doc_ec), session_key="s",
                                  aa_challenge=mine, aa_response=response)
    assert result.checks["active_authentication"].status == "failed"


def test_wrong_aa_response(doc_rsa):
    service = VerificationService(TrustStore([doc_rsa.csca_certificate]))
    challenge = service.issue_challenge("s")
    response = sign_challenge(doc_rsa.aa_key, b"otherchl")
    result = service.verify_emrtd(_files(doc_rsa), session_key="s",
                                  aa_challenge=challenge,
                                  aa_response=response)
    assert result.checks["active_authentication"].reason == \
        "AA signature does not cover the challenge"


def test_clone_with_own_dg15_key_does_not_count(doc_ec):
    """A clone copies the genuine SOD but has to bring its own AA key."""
    clone_key = ec.generate_private_key(ec.SECP256R1())
    files = _files(doc_ec)
    files["DG15"] = tlv.encode(0x6F, clone_key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo))
    service = VerificationService(TrustStore([doc_ec.csca_certificate]))
    challenge = service.issue_challenge("s")
    result = service.verify_emrtd(
        files, session_key="s", aa_challenge=challenge,
        aa_response=sign_challenge(clone_key, challenge, "sha256"))
    assert result.checks["data_group_hashes"].status == "failed"
    aa = result.checks["active_authentication"]
    assert aa.status == "failed" and "not counted" in aa.reason
    assert not result.ok


def test_dropping_dg15_does_not_skip_active_authentication(doc_ec):
    files = _files(doc_ec)
    del files["DG15"]
    result = VerificationService(TrustStore([doc_ec.csca_certificate])
                                 ).verify_emrtd(files)
    assert result.checks["active_authentication"].status == "failed"


def test_document_without_aa_when_aa_is_required(doc_no_aa):
    service = VerificationService(TrustStore([doc_no_aa.csca_certificate]),
                                  require_active_authentication=True)
    result = service.verify_emrtd(_files(doc_no_aa))
    assert not result.ok
    assert result.checks["active_authentication"].status == "failed"


def test_missing_files_are_named(doc_ec):
    result = VerificationService(TrustStore([doc_ec.csca_certificate])
                                 ).verify_emrtd({"COM": b"\x60\x00"})
    assert result.checks["mrz_check_digits"].reason == "DG1 missing"
    assert result.checks["sod_signature"].reason == "EF.SOD missing"
    assert result.identity is None and not result.ok


def test_nonce_store_single_use_expiry_and_threads():
    now = [100.0]
    store = InMemoryNonceStore(ttl=30, clock=lambda: now[0])
    nonce = store.issue("a")
    assert len(nonce) == 8
    assert store.consume("a", nonce) and not store.consume("a", nonce)
    nonce = store.issue("a")
    assert not store.consume("a", b"\x00" * 8)  # a wrong guess burns it
    assert not store.consume("a", nonce)
    nonce = store.issue("b")
    now[0] += 31
    assert not store.consume("b", nonce)
    # Concurrent consumers: exactly one of them wins.
    nonce = store.issue("c")
    wins = []
    threads = [threading.Thread(target=lambda: wins.append(
        store.consume("c", nonce))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(wins) == [False] * 7 + [True]


def test_master_list_and_trust_store_folder(tmp_path, pkis, doc_ec, doc_rsa):
    signer_key, signer_cert = issue_certificate(pkis["rsa-pkcs1"],
                                                "Master List Signer")
    ml = build_master_list([pkis["rsa-pkcs1"].csca_cert,
                            pkis["ecdsa"].csca_cert], signer_key, signer_cert)
    store = TrustStore()
    assert len(store.add_bytes(ml)) == 2
    service = VerificationService(store)
    assert _read(doc_ec, service).ok
    assert service.verify_emrtd(_files(doc_rsa)).checks[
        "certificate_chain"].status == "passed"
    broken = bytearray(ml)
    broken[-1] ^= 1
    with pytest.raises(CertificateError, match="master list signature"):
        TrustStore().add_bytes(bytes(broken))
    # A folder with a master list, a PEM and a DER file.
    (tmp_path / "list.ml").write_bytes(ml)
    (tmp_path / "a.pem").write_bytes(pkis["rsa-pss"].csca_pem)
    (tmp_path / "b.der").write_bytes(pkis["rsa-pss"].csca_cert.public_bytes(
        serialization.Encoding.DER))
    assert len(TrustStore.from_folder(tmp_path)) == 3
    (tmp_path / "junk.pem").write_bytes(b"not a certificate")
    with pytest.raises(TrustStoreError, match="junk.pem"):
        TrustStore.from_folder(tmp_path)
    with pytest.raises(TrustStoreError, match="does not exist"):
        TrustStore.from_folder(tmp_path / "missing")


def test_master_list_signed_by_foreign_signer_is_rejected(pkis):
    signer_key, signer_cert = issue_certificate(pkis["rsa-pss"], "Signer")
    ml = build_master_list([pkis["ecdsa"].csca_cert], signer_key, signer_cert)
    with pytest.raises(CertificateError, match="not issued by a listed"):
        TrustStore().add_bytes(ml)


def test_rsa_aa_variants_iso9796_trailers_and_n_minus_s(doc_rsa):
    key = parse_dg15(doc_rsa.data_group(15))
    challenge = b"\x11" * 8
    # SHA-256 uses the two-byte trailer 34 CC instead of BC.
    verify_active_authentication(
        key, challenge, sign_challenge(doc_rsa.aa_key, challenge, "sha256"))
    # ISO 9796-2 allows the chip to send n - s.
    s = int.from_bytes(sign_challenge(doc_rsa.aa_key, challenge), "big")
    n = key.public_numbers().n
    verify_active_authentication(key, challenge, (n - s).to_bytes(128, "big"))
    with pytest.raises(SignatureError, match="out of range"):
        verify_active_authentication(key, challenge, n.to_bytes(128, "big"))
    with pytest.raises(SignatureError, match="length"):
        verify_active_authentication(key, challenge, b"\x01" * 127)


def test_custom_aa_key_objects(pkis, face_jpeg):
    key = ec.generate_private_key(ec.SECP384R1())
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face_jpeg, aa=key)
    assert doc.aa_key is key
    service = VerificationService(TrustStore([doc.csca_certificate]))
    result = _read(doc, service)
    assert result.ok and result.checks["active_authentication"].status == \
        "passed"
    with pytest.raises(ValueError, match="extended"):
        build_document(pki=pkis["ecdsa"], face_jpeg=face_jpeg,
                       aa=rsa.generate_private_key(65537, 2048))


@pytest.mark.parametrize("scheme", ["rsa-key-oid", "ecdsa-key-oid"])
def test_an_sod_signature_named_by_the_bare_key_oid_verifies(scheme, face_jpeg):
    """Real SODs often name the algorithm rsaEncryption or id-ecPublicKey (the hash is the digest algorithm's);
    the check compared the name against ("rsa", "ecdsa") and refused them."""
    doc = build_document(pki=generate_pki(signature=scheme), face_jpeg=face_jpeg, aa="ec")
    service = VerificationService(TrustStore([doc.csca_certificate]))
    assert service.verify_emrtd(_files(doc)).checks["sod_signature"].status == "passed"
    tampered = _files(doc)
    sod = bytearray(tampered["SOD"])
    sod[-5] ^= 0x01  # inside the signature value
    tampered["SOD"] = bytes(sod)
    assert service.verify_emrtd(tampered).checks["sod_signature"].status == "failed"


def test_a_key_oid_that_does_not_match_the_signer_key_is_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    signature = key.sign(b"data", ec.ECDSA(hashes.SHA256()))
    rsa_named = algos.SignedDigestAlgorithm({"algorithm": "1.2.840.113549.1.1.1"})
    with pytest.raises(SignatureError, match="does not match"):
        verify_public_key_signature(key.public_key(), signature, b"data", rsa_named, "sha256")
    ec_named = algos.SignedDigestAlgorithm({"algorithm": "1.2.840.10045.2.1"})
    verify_public_key_signature(key.public_key(), signature, b"data", ec_named, "sha256")


def _unparsable(cert) -> bytes:
    """A certificate whose TBS says version 6 (no such version): the structure loads, the certificate does not."""
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    at = der.index(b"\xa0\x03\x02\x01\x02")  # [0] EXPLICIT version v3
    der[at + 4] = 0x05
    return bytes(der)


def test_one_unusable_certificate_does_not_reject_the_whole_master_list(tmp_path, pkis):
    """The official ICAO list carries a few certificates no library can load; the import was all or nothing."""
    pki = pkis["rsa-pkcs1"]
    signer_key, signer_cert = issue_certificate(pki, "Master List Signer")
    entries = [pki.csca_cert.public_bytes(serialization.Encoding.DER), _unparsable(pkis["ecdsa"].csca_cert),
               pkis["rsa-pss"].csca_cert.public_bytes(serialization.Encoding.DER)]
    content = CscaMasterList({"version": 0, "cert_list": [a_x509.Certificate.load(d) for d in entries]}).dump()
    ml = sign_cms(content, MASTER_LIST_OID, signer_key, signer_cert, "ecdsa")
    report = read_master_list(ml)
    # Positions are the list's own order (a SET OF, sorted as DER), as a reader of the file counts them.
    assert len(report.certificates) == 2 and len(report.refused) == 1 and "version" in report.refused[0][1]
    assert len(TrustStore().add_bytes(ml)) == 2
    (tmp_path / "list.ml").write_bytes(ml)
    result = CliRunner().invoke(nfc_cli, ["trust", "import", str(tmp_path / "list.ml"),
                                          "--trust-store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert f"not imported: certificate {report.refused[0][0]} of the master list" in result.output
    assert "2 CSCA certificate(s)" in result.output and "1 could not be used" in result.output
    # The list's own soundness is still all or nothing: a broken signature refuses it.
    broken = bytearray(ml)
    broken[-1] ^= 1
    with pytest.raises(CertificateError, match="master list signature"):
        read_master_list(bytes(broken))


def test_a_signed_data_of_the_wrong_version_is_refused(doc_no_aa):
    """An SOD (content other than id-data) is SignedData version 3 (RFC 5652, Doc 9303 Part 10); it was not checked."""
    files = _files(doc_no_aa)
    sod = files["SOD"]
    at = sod.index(b"\x02\x01\x03")  # the first INTEGER of SignedData: its version, 3
    files["SOD"] = sod[:at] + b"\x02\x01\x01" + sod[at + 3:]
    result = VerificationService(TrustStore([doc_no_aa.csca_certificate])).verify_emrtd(files)
    assert not result.ok
    assert any("version" in (check.reason or "") for check in result.checks.values()), result.checks
