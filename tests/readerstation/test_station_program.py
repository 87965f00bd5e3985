"""`registry-station` as a separate process against the live app over HTTP: enrolment, status, revocation,
a real read through nfcpy (its udp driver, the same stack as a USB reader), a simulated chip and a simulated
SAM resident-ID read, and its refusals."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.softcard.udp import UdpCardEmulator
from registry.accounts.models import Account
from registry.core.extensions import db
from tests.e2e.browser_support import LiveServer
from tests.factories.app import make_app
from tests.factories.enterprises import make_enterprise
from tests.factories.identity import make_document, real_photo
from tests.factories.workers import make_worker
from workers.identity import chip as identity_chip
from workers.identity import services as identity
from workers.identity import stations
from workers.models import Worker

pytestmark = [pytest.mark.own_app, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("station")
    trust = folder / "csca"
    trust.mkdir()
    app = make_app(f"sqlite:///{folder}/station.sqlite", str(folder), NFC_TRUST_STORE=str(trust))
    with LiveServer(app) as server:
        yield app, server.url, folder
    with app.app_context():
        db.engine.dispose()


def station(config: Path, *args: str) -> tuple[int, dict | str]:
    result = subprocess.run([sys.executable, "-m", "readerstation", "--config", str(config), *args],
                            capture_output=True, text=True, timeout=120, check=False)
    try:
        return result.returncode, json.loads(result.stdout)
    except ValueError:
        return result.returncode, result.stdout + result.stderr


def _enrolled(live, name: str) -> tuple[Path, int]:
    app, url, folder = live
    with app.app_context():
        registered, code = stations.register_station(name, "", None)
        db.session.commit()
        station_id = registered.id
    config = folder / f"{name}.json"
    status, answer = station(config, "enroll", "--server", url, code)
    assert status == 0, answer
    return config, station_id


def _worker_code(app) -> tuple[int, str]:
    with app.app_context():
        account = make_worker(enterprises=[make_enterprise()])
        worker = db.session.get(Worker, account.id)
        code = identity_chip.issue_binding_code(worker).code
        db.session.commit()
        return account.id, code


def test_enrolment_status_and_revocation(live):
    app, url, folder = live
    config, station_id = _enrolled(live, "status-station")
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600  # it holds the private key
    status, answer = station(config, "status")
    assert status == 0 and answer["station"]["id"] == station_id
    with app.app_context():
        stations.revoke_station(station_id, None)
        db.session.commit()
    status, answer = station(config, "status")
    assert status == 1 and answer["code"] == "station_revoked"


def test_misuse_and_an_unreachable_platform(live, tmp_path):
    missing = tmp_path / "none.json"
    status, output = station(missing, "status")
    assert status == 2 and "enrol the station first" in output
    status, output = station(missing, "read", "ABCDEFGH", "--simulated")
    assert status == 2 and "--face-photo" in output
    status, answer = station(tmp_path / "x.json", "enroll", "--server", "http://127.0.0.1:9", "AAAA-BBBB-CCCC")
    assert status == 1 and answer["code"] == "platform_unreachable"
    config, _ = _enrolled(live, "misuse-station")
    status, answer = station(config, "read", "ABCDEFGH", "--can", "123456")
    assert status == 1 and answer["status"] == 404


def test_a_real_read_through_nfcpy(live):
    """A document on a contactless reader (nfcpy's udp driver), its CSCA in the platform's trust store."""
    app, url, folder = live
    config, station_id = _enrolled(live, "nfc-station")
    worker_id, code = _worker_code(app)
    with app.app_context():
        document = make_document(db.session.get(Account, worker_id))
    (folder / "csca" / "test-csca.pem").write_bytes(document.csca_certificate.public_bytes(Encoding.PEM))
    mrz = document.mrz
    with UdpCardEmulator(document.card()) as emulator:
        status, answer = station(config, "read", code, "--document-number", mrz.document_number,
                                 "--birth-date", mrz.birth_date, "--expiry-date", mrz.expiry_date,
                                 "--device", emulator.path, "--wait", "10")
    assert status == 0, answer
    assert answer["record"]["checks"]["certificate_chain"]["status"] == "passed"
    assert answer["record"]["checks"]["active_authentication"]["status"] == "passed"
    with app.app_context():
        record = identity.latest_record(db.session.get(Worker, worker_id))
        assert record.station_id == station_id and record.document_verified_at is not None


def test_a_wrong_document_number_is_reported_to_the_worker(live):
    app, url, folder = live
    config, _ = _enrolled(live, "denied-station")
    worker_id, code = _worker_code(app)
    with app.app_context():
        document = make_document(db.session.get(Account, worker_id))
    mrz = document.mrz
    with UdpCardEmulator(document.card()) as emulator:
        status, answer = station(config, "read", code, "--document-number", "X99999999",
                                 "--birth-date", mrz.birth_date, "--expiry-date", mrz.expiry_date,
                                 "--device", emulator.path, "--wait", "10")
    assert status == 1 and answer["code"] == "access_denied"
    with app.app_context():
        read = stations.latest_read(db.session.get(Worker, worker_id))
        assert read.problem == "access_denied" and read.finished_at is not None


@pytest.mark.slow  # runs dlib face recognition
def test_simulated_chip_and_resident_id_reads(live, tmp_path):
    app, url, folder = live
    config, station_id = _enrolled(live, "simulated-station")
    photo = tmp_path / "face.jpg"
    photo.write_bytes(real_photo())
    worker_id, code = _worker_code(app)
    status, answer = station(config, "read", code, "--simulated", "--face-photo", str(photo))
    assert status == 0, answer
    assert answer["record"]["simulated"] is True and answer["access_protocol"] == "PACE"
    checks = answer["record"]["checks"]
    assert checks["identity_match"]["status"] == "passed"
    # The simulated card is a current passport: both clone checks ran on the platform.
    assert checks["chip_authentication"]["status"] == "passed"
    assert checks["active_authentication"]["status"] == "passed"
    other_id, other_code = _worker_code(app)
    status, answer = station(config, "resident-id", other_code, "--simulated", "--face-photo", str(photo))
    assert status == 0, answer
    assert answer["record"]["method"] == "resident_id_reader"
    assert answer["record"]["checks"]["face_reference"]["status"] == "passed"
