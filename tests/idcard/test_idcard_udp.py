"""The reader through nfcpy's real Type 4 stack over its udp driver.

The software card listens as an ISO-DEP Type A target on 127.0.0.1 and the
reader activates it as nfcpy's Type4ATag, exactly like a USB reader would.
"""

from __future__ import annotations

import time

import nfc.tag.tt4
import pytest

from idcard.errors import CardRemovedError, NoCardError, NoReaderError, NotIsoDepError
from idcard.icao.reader import ChipReader
from idcard.icao.trust import TrustStore
from idcard.softcard.udp import UdpCardEmulator, free_udp_port
from idcard.transport import NfcpyTransport
from idcard.verification import VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = [pytest.mark.own_app, pytest.mark.timeout(60)]


def test_full_read_and_verification_over_nfcpy_udp(doc_rsa):
    service = VerificationService(TrustStore([doc_rsa.csca_certificate]))
    challenge = service.issue_challenge("udp-session")
    with UdpCardEmulator(doc_rsa.card()) as emulator:
        with NfcpyTransport(emulator.path, wait=10, timeout=5) as link:
            assert isinstance(link._tag, nfc.tag.tt4.Type4ATag)
            result = ChipReader(link).read(doc_rsa.mrz_information,
                                           aa_challenge=challenge)
    assert emulator.errors == [] and emulator.sessions == 1
    assert result.simulated is True
    assert result.files["DG2"] == doc_rsa.data_group(2)
    assert len(result.aa_response) == 128  # RSA-1024 ISO 9796-2 signature
    verdict = service.verify_emrtd(result.files, session_key="udp-session",
                                   aa_challenge=result.aa_challenge,
                                   aa_response=result.aa_response)
    assert verdict.ok, verdict.to_dict()
    assert verdict.checks["active_authentication"].status == "passed"
    assert verdict.identity.document_number == "D23145890734"


def test_type_b_card_over_nfcpy_udp(doc_no_aa):
    with UdpCardEmulator(doc_no_aa.card(), technology="B") as emulator:
        with NfcpyTransport(emulator.path, wait=10, timeout=5) as link:
            assert isinstance(link._tag, nfc.tag.tt4.Type4BTag)
            result = ChipReader(link).read(doc_no_aa.mrz_information,
                                           data_groups=(1,))
    assert emulator.errors == []
    assert result.files["DG1"] == doc_no_aa.data_group(1)
    assert result.files["SOD"] == doc_no_aa.files[0x011D]


def test_memory_tag_is_not_iso_dep(doc_no_aa):
    with UdpCardEmulator(doc_no_aa.card(), sel_res=0x00) as emulator:
        with pytest.raises(NotIsoDepError, match="ISO-DEP"):
            NfcpyTransport(emulator.path, wait=5).connect()


def test_no_card_in_the_field():
    start = time.monotonic()
    with pytest.raises(NoCardError, match="no card"):
        NfcpyTransport(f"udp:127.0.0.1:{free_udp_port()}", wait=0.5).connect()
    assert time.monotonic() - start < 10


def test_card_removed_during_the_session(doc_no_aa):
    emulator = UdpCardEmulator(doc_no_aa.card(), idle_timeout=1.0).start()
    link = NfcpyTransport(emulator.path, wait=5, timeout=0.5).connect()
    try:
        assert link.transceive(bytes.fromhex("00A4040C07A0000002471001")) \
            == b"\x90\x00"
        emulator.stop()
        with pytest.raises(CardRemovedError):
            link.transceive(bytes.fromhex("0084000008"))
    finally:
        link.close()
        emulator.stop()


@pytest.mark.parametrize("path", ["usb:ffff:ffff", "tty:nothere:pn532"])
def test_no_reader(path):
    with pytest.raises(NoReaderError, match="no contactless reader"):
        NfcpyTransport(path).connect()
