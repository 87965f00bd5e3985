"""The ``nfc`` click group: read (software card, no reader) and trust."""

from __future__ import annotations

import json

import flask
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from idcard.cli import nfc_cli
from idcard.icao.trust import TrustStore
from idcard.softcard.pki import build_master_list, issue_certificate

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = pytest.mark.own_app


def test_read_simulated_end_to_end(tmp_path):
    face = tmp_path / "face.jpg"
    result = CliRunner().invoke(nfc_cli, ["read", "--simulated",
                                          "--face-out", str(face)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["ok"] is True and body["simulated"] is True
    assert {n: c["status"] for n, c in body["checks"].items()} == {
        "mrz_check_digits": "passed", "sod_signature": "passed",
        "certificate_chain": "passed", "data_group_hashes": "passed",
        "active_authentication": "passed", "chip_authentication": "passed",
        "document_expiry": "passed"}
    assert body["access_protocol"] == "PACE"
    assert set(body["chip_proofs"]) == {"active_authentication",
                                        "chip_authentication"}
    assert body["identity"]["name"] == "ERIKA MUSTERFRAU"
    assert body["apdu_count"] > 10 and body["files"]["DG2"] > 1000
    assert face.read_bytes()[:3] == b"\xff\xd8\xff"


def test_read_simulated_with_wrong_birth_date_fails_bac():
    result = CliRunner().invoke(nfc_cli, ["read", "--simulated",
                                          "--birth-date", "850413"])
    assert result.exit_code == 1
    assert "AccessDeniedError" in result.output and "BAC" in result.output


def test_read_simulated_with_the_card_access_number():
    result = CliRunner().invoke(nfc_cli, ["read", "--simulated",
                                          "--can", "123456"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["ok"] is True and body["access_protocol"] == "PACE"


def test_read_prompts_then_reports_missing_reader(tmp_path):
    result = CliRunner().invoke(
        nfc_cli, ["read", "--device", "usb:ffff:ffff",
                  "--trust-store", str(tmp_path)],
        input="L898902C\n690806\n940623\n")
    assert "Document number" in result.output
    assert result.exit_code == 1
    assert "NoReaderError" in result.output


def test_read_rejects_malformed_mrz_fields(tmp_path):
    result = CliRunner().invoke(nfc_cli, [
        "read", "--document-number", "L898902C", "--birth-date", "691306",
        "--expiry-date", "940623", "--trust-store", str(tmp_path)])
    assert result.exit_code == 2 and "birth date" in result.output


def test_trust_import_pem_der_and_master_list(tmp_path, pkis):
    store = tmp_path / "csca"
    pem = tmp_path / "csca.pem"
    pem.write_bytes(pkis["rsa-pkcs1"].csca_pem)
    der = tmp_path / "csca.der"
    der.write_bytes(pkis["ecdsa"].csca_cert.public_bytes(
        serialization.Encoding.DER))
    key, cert = issue_certificate(pkis["rsa-pss"], "ML Signer")
    ml = tmp_path / "list.ml"
    ml.write_bytes(build_master_list([pkis["rsa-pss"].csca_cert,
                                      pkis["ecdsa"].csca_cert], key, cert))
    runner = CliRunner()
    for path in (pem, der, ml):
        result = runner.invoke(nfc_cli, ["trust", "import", str(path),
                                         "--trust-store", str(store)])
        assert result.exit_code == 0, result.output
    assert "2 CSCA certificate(s)" in result.output
    # The ECDSA CSCA came twice (DER file and master list): stored once.
    assert len(list(store.iterdir())) == 3
    assert len(TrustStore.from_folder(store)) == 3
    listing = runner.invoke(nfc_cli, ["trust", "list", "--trust-store",
                                      str(store)])
    assert listing.output.count("CN=Test CSCA") == 3


def test_trust_import_rejects_garbage(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n"
                    b"-----END CERTIFICATE-----\n")
    result = CliRunner().invoke(nfc_cli, ["trust", "import", str(bad),
                                          "--trust-store", str(tmp_path)])
    assert result.exit_code == 1 and "cannot import" in result.output


def test_trust_store_needs_a_folder_outside_flask(tmp_path):
    pem = tmp_path / "c.pem"
    pem.write_bytes(b"x")
    result = CliRunner().invoke(nfc_cli, ["trust", "import", str(pem)])
    assert result.exit_code == 2 and "--trust-store" in result.output, \
        result.output


@pytest.mark.parametrize("configured", [True, False])
def test_trust_store_folder_from_flask_app(tmp_path, pkis, configured):
    app = flask.Flask("idcard_cli_test", instance_path=str(tmp_path / "inst"))
    if configured:
        app.config["NFC_TRUST_STORE"] = str(tmp_path / "configured")
    app.cli.add_command(nfc_cli)
    pem = tmp_path / "c.pem"
    pem.write_bytes(pkis["ecdsa"].csca_pem)
    # flask's CLI pushes an app context for app.cli commands; do the same.
    with app.app_context():
        result = CliRunner().invoke(nfc_cli, ["trust", "import", str(pem)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / ("configured" if configured else "inst/csca")
    assert len(list(folder.glob("csca-*.der"))) == 1
