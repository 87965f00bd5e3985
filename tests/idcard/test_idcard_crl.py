"""CSCA CRLs (Doc 9303 Part 12): import, signature check, revoked and stale-CRL handling."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from idcard.cli import nfc_cli
from idcard.errors import CertificateError, TrustStoreError
from idcard.icao.crl import load_crl
from idcard.icao.trust import TrustStore, import_crl_into_folder
from idcard.softcard.pki import generate_pki, issue_crl
from idcard.verification import VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _files(doc):
    names = {0x011E: "COM", 0x011D: "SOD"}
    return {names.get(fid, f"DG{fid - 0x100}"): data for fid, data in doc.files.items()}


def _der(crl) -> bytes:
    return crl.public_bytes(serialization.Encoding.DER)


def _chain(store, doc):
    return VerificationService(store).verify_emrtd(_files(doc))


def test_a_revoked_document_signer_fails_passive_authentication(doc_no_aa):
    pki = doc_no_aa.pki
    store = TrustStore([pki.csca_cert])
    store.add_crl(issue_crl(pki, [pki.ds_cert]))
    result = _chain(store, doc_no_aa)
    assert not result.ok and result.failed() == ["certificate_chain"]
    reason = result.checks["certificate_chain"].reason
    assert f"serial {pki.ds_cert.serial_number:X}" in reason and "is revoked by the CRL of" in reason
    assert "reason: key_compromise" in reason and "Test CSCA" in reason
    assert not result.face_proven


def test_a_crl_that_does_not_list_the_signer_lets_it_pass(doc_no_aa, doc_ec):
    pki = doc_no_aa.pki
    store = TrustStore([pki.csca_cert, doc_ec.csca_certificate])
    store.add_crl(issue_crl(pki, [doc_ec.pki.ds_cert]))  # another CSCA's DS serial, on this CSCA's CRL
    assert _chain(store, doc_no_aa).ok
    assert _chain(store, doc_ec).checks["certificate_chain"].status == "passed"


def test_a_crl_signed_by_the_wrong_key_is_refused_at_import(tmp_path, pkis):
    pki = pkis["rsa-pss"]
    store = tmp_path / "store"
    store.mkdir()
    (store / "csca.pem").write_bytes(pki.csca_pem)
    forged = issue_crl(pki, [pki.ds_cert], key=ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(TrustStoreError, match="CRL signature does not verify"):
        import_crl_into_folder(store, _der(forged))
    with pytest.raises(CertificateError, match="does not verify"):
        TrustStore([pki.csca_cert]).add_crl(forged)
    (tmp_path / "forged.crl").write_bytes(_der(forged))
    result = CliRunner().invoke(nfc_cli, ["trust", "import", str(tmp_path / "forged.crl"),
                                          "--trust-store", str(store)])
    assert result.exit_code == 1 and "CRL signature does not verify" in result.output
    assert [p.name for p in store.iterdir()] == ["csca.pem"]  # nothing was stored


def test_a_crl_of_an_unknown_csca_is_refused(tmp_path, pkis):
    (tmp_path / "csca.pem").write_bytes(pkis["ecdsa"].csca_pem)
    crl = issue_crl(generate_pki(country="ZZ", signature="ecdsa"), [])
    with pytest.raises(TrustStoreError, match="import the CSCA first"):
        import_crl_into_folder(tmp_path, _der(crl))


def test_import_through_the_cli_stores_the_crl_and_the_folder_applies_it(tmp_path, doc_no_aa):
    pki = doc_no_aa.pki
    store_dir = tmp_path / "store"
    (tmp_path / "csca.pem").write_bytes(pki.csca_pem)
    (tmp_path / "list.crl").write_bytes(issue_crl(pki, [pki.ds_cert]).public_bytes(serialization.Encoding.PEM))
    runner = CliRunner()
    for name in ("csca.pem", "list.crl"):
        result = runner.invoke(nfc_cli, ["trust", "import", str(tmp_path / name), "--trust-store", str(store_dir)])
        assert result.exit_code == 0, result.output
    assert "CRL of" in result.output and "1 revoked certificate(s)" in result.output
    assert "warning" not in result.output
    stored = list(store_dir.glob("crl-*.crl"))
    assert len(stored) == 1 and load_crl(stored[0].read_bytes()).issuer == pki.csca_cert.subject  # stored as DER
    store = TrustStore.from_folder(store_dir)
    assert len(store.crls) == 1 and store.crls[0].csca == pki.csca_cert
    assert "is revoked" in _chain(store, doc_no_aa).checks["certificate_chain"].reason
    listing = runner.invoke(nfc_cli, ["trust", "list", "--trust-store", str(store_dir)])
    assert "CRL of" in listing.output and "1 CSCA certificate(s) and 1 CRL(s)" in listing.output
    # A CRL file altered in the folder is not silently skipped.
    der = bytearray(stored[0].read_bytes())
    der[-1] ^= 1
    stored[0].write_bytes(bytes(der))
    with pytest.raises(TrustStoreError, match=stored[0].name):
        TrustStore.from_folder(store_dir)


def test_a_stale_crl_blocks_by_default_and_warns_on_request(tmp_path, doc_no_aa, caplog):
    """A CRL past its nextUpdate says nothing of revocations since: by default the chain check fails
    and says why; stale_crl="warn" lets the document pass and logs the warning instead."""
    pki = doc_no_aa.pki
    stale = issue_crl(pki, [], this_update=LONG_AGO, days=30)
    store = TrustStore([pki.csca_cert])
    store.add_crl(stale)
    check = _chain(store, doc_no_aa).checks["certificate_chain"]
    assert check.status == "failed"
    assert "due for renewal on 2020-01-31" in check.reason and "import a current CRL" in check.reason
    lenient = TrustStore([pki.csca_cert], stale_crl="warn")
    lenient.add_crl(stale)
    with caplog.at_level(logging.WARNING, logger="idcard.icao.crl"):
        assert _chain(lenient, doc_no_aa).ok
    assert "due for renewal" in caplog.text
    # A fresh CRL next to the stale one is what counts for freshness.
    store.add_crl(issue_crl(pki, []))
    assert _chain(store, doc_no_aa).ok
    # The CLI imports a stale CRL (its revocations still count) and says what it will do.
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "csca.pem").write_bytes(pki.csca_pem)
    (tmp_path / "stale.crl").write_bytes(_der(stale))
    result = CliRunner().invoke(nfc_cli, ["trust", "import", str(tmp_path / "stale.crl"),
                                          "--trust-store", str(folder)])
    assert result.exit_code == 0 and "past its nextUpdate" in result.output
    listing = CliRunner().invoke(nfc_cli, ["trust", "list", "--trust-store", str(folder)])
    assert "2020-01-31  CRL of" in listing.output and "STALE" in listing.output


def test_a_revocation_in_a_stale_crl_still_counts(doc_no_aa):
    pki = doc_no_aa.pki
    store = TrustStore([pki.csca_cert], stale_crl="warn")
    store.add_crl(issue_crl(pki, [pki.ds_cert], this_update=LONG_AGO, days=30))
    assert "is revoked" in _chain(store, doc_no_aa).checks["certificate_chain"].reason


def test_crls_are_not_certificates(pkis):
    with pytest.raises(CertificateError, match="this is a CRL"):
        TrustStore().add_bytes(_der(issue_crl(pkis["ecdsa"], [])))
    with pytest.raises(CertificateError, match="not a CRL"):
        load_crl(pkis["ecdsa"].csca_pem)
    with pytest.raises(ValueError, match="stale_crl"):
        TrustStore(stale_crl="ignore")
