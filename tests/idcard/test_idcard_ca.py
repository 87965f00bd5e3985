"""Chip Authentication v1: DG14, the protocol on the software chip, the
transcript and its server-side check."""

from __future__ import annotations

import base64
import json

import pytest

from idcard import tlv
from idcard.errors import SecureMessagingError
from idcard.icao import ecmath
from idcard.icao.apdu import CommandAPDU
from idcard.icao.ca import ca_commands, ca_options, dg14_security_infos, perform_chip_authentication
from idcard.icao.ca_transcript import CATranscript, verify_transcript
from idcard.icao.curves import BY_NAME
from idcard.icao.lds import parse_dg14
from idcard.icao.reader import ChipReader
from idcard.icao.secinfo import (
    ca_oid,
    encode_ca_info,
    encode_ca_public_key_info,
    encode_security_infos,
    parse_public_key_info,
)
from idcard.icao.sod import parse_sod
from idcard.icao.trust import TrustStore
from idcard.softcard import SoftwareCardTransport, build_document, demo_face_jpeg
from idcard.softcard.ca_card import CardCA
from idcard.verification import VerificationService

pytestmark = pytest.mark.own_app


class Spy:
    """Transport into a card that logs every exchange."""

    simulated = True

    def __init__(self, card):
        self.card, self.log = card, []

    def transceive(self, apdu: bytes) -> bytes:
        response = self.card.process(apdu)
        self.log.append((bytes(apdu), response))
        return response


@pytest.fixture(scope="module")
def face():
    return demo_face_jpeg((60, 80))


@pytest.fixture(scope="module")
def ca_doc(pkis, face):
    """CA-only chip: BAC, ECDH chip authentication with AES, no DG15."""
    return build_document(pki=pkis["ecdsa"], face_jpeg=face, aa=None,
                          chip_authentication="ec")


def _service(doc, **kwargs):
    return VerificationService(TrustStore([doc.csca_certificate]), **kwargs)


def _verify(doc, read, **kwargs):
    transcript = read.ca_transcript.to_dict() if read.ca_transcript else None
    return _service(doc, **kwargs).verify_emrtd(
        read.files, ca_transcript=transcript, simulated=read.simulated)


def _status(result):
    return {name: check.status for name, check in result.checks.items()}


def test_dg14_carries_the_key_and_is_hashed(ca_doc):
    dg14 = ca_doc.data_group(14)
    assert 14 in parse_sod(ca_doc.files[0x011D]).hashes
    assert {info.protocol for info in parse_dg14(dg14)} == {
        "0.4.0.127.0.7.2.2.3.2.2", "0.4.0.127.0.7.2.2.1.2"}
    (option,) = ca_options(dg14_security_infos(dg14))
    assert option.label == "CA-ECDH AES-128 secp256r1"
    assert option.key.public_key == ca_doc.ca.public_key


def test_ca_only_chip_is_read_and_verified(ca_doc):
    spy = Spy(ca_doc.card())
    read = ChipReader(spy).read(ca_doc.mrz_information)
    assert read.access_protocol == "BAC" and read.ca_transcript is not None
    result = _verify(ca_doc, read, require_active_authentication=True)
    assert result.ok, result.to_dict()
    assert _status(result)["chip_authentication"] == "passed"
    assert _status(result)["active_authentication"] == "skipped"
    assert result.chip_proofs == ("chip_authentication",)
    assert result.to_dict()["chip_proofs"] == ["chip_authentication"]
    # DG14 first, then CA, then the rest: SELECT DG1 is the first command
    # under the new keys, with the counter restarted (response SSC 2).
    first = read.ca_transcript.responses[0]
    assert first.ssc == (2).to_bytes(16, "big")
    assert first.command_header == bytes.fromhex("00A4020C")
    headers = [a[1:4] for a, _ in spy.log if a[0] == 0x0C]
    assert headers.index(b"\x22\x41\xa4") < headers.index(b"\x86\x00\x00")


@pytest.mark.parametrize("kind", ["ec", "dh"])
@pytest.mark.parametrize("cipher", ["3DES", "AES-128", "AES-256"])
@pytest.mark.parametrize("access", ["bac", "pace"])
def test_every_ca_variant_reads_and_verifies(pkis, face, kind, cipher,
                                             access):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, aa=None,
                         access=access, chip_authentication=kind,
                         ca_cipher=cipher)
    spy = Spy(doc.card())
    read = ChipReader(spy).read(doc.mrz_information)
    assert read.access_protocol == access.upper()
    agreement = "ECDH" if kind == "ec" else "DH"
    assert read.ca_transcript.protocol == ca_oid(agreement, cipher)
    protected = [a[1:4] for a, _ in spy.log if a[0] == 0x0C]
    if cipher == "3DES":
        assert b"\x22\x41\xa6" in protected  # MSE:Set KAT
    else:
        assert b"\x22\x41\xa4" in protected and b"\x86\x00\x00" in protected
    result = _verify(doc, read, require_active_authentication=True)
    assert result.ok, result.to_dict()
    assert result.chip_proofs == ("chip_authentication",)


def test_pace_with_can_and_ca_together(pkis, face):
    doc = build_document(pki=pkis["ecdsa"], face_jpeg=face, access="pace",
                         chip_authentication="dh", ca_cipher="3DES")
    service = _service(doc)
    challenge = service.issue_challenge("s")
    read = ChipReader(SoftwareCardTransport(doc.card())).read(
        can=doc.can, aa_challenge=challenge)
    result = service.verify_emrtd(
        read.files, session_key="s", aa_challenge=read.aa_challenge,
        aa_response=read.aa_response,
        ca_transcript=CATranscript.from_dict(
            json.loads(json.dumps(read.ca_transcript.to_dict()))))
    assert read.access_protocol == "PACE" and "CAN" in read.access_details
    assert result.ok, result.to_dict()
    assert result.chip_proofs == ("active_authentication",
                                  "chip_authentication")


def test_old_keys_are_dead_after_chip_authentication(ca_doc):
    card = ca_doc.card()
    reader = ChipReader(SoftwareCardTransport(card))
    reader.open(ca_doc.mrz_information)
    old = reader.sm
    dg14 = reader.read_file(0x010E)
    (option,) = ca_options(dg14_security_infos(dg14))
    perform_chip_authentication(reader._protected, option)
    # The chip switched after answering: a command under the old keys is
    # refused and ends the session.
    stale = old.protect(CommandAPDU(0, 0xA4, 2, 0x0C, b"\x01\x01").encode())
    assert card.process(stale) == bytes.fromhex("6988")
    assert card.sm is None


def test_transcript_round_trip_and_what_breaks_it(ca_doc):
    read = ChipReader(SoftwareCardTransport(ca_doc.card())).read(
        ca_doc.mrz_information)
    dg14 = read.files["DG14"]
    body = json.loads(json.dumps(read.ca_transcript.to_dict()))
    assert body["format"] == "idcard-ca-transcript/1"
    assert all(isinstance(body[k], str) for k in ("ephemeral_private",
                                                  "ephemeral_public"))
    transcript = CATranscript.from_dict(body)
    assert transcript == read.ca_transcript
    assert "3 responses" in verify_transcript(dg14, transcript)

    def broken(**changes):
        return _service(ca_doc).verify_emrtd(
            read.files, ca_transcript={**body, **changes}
        ).checks["chip_authentication"]

    response = bytearray(base64.b64decode(body["responses"][0]["response"]))
    response[-3] ^= 1  # inside DO'8E'
    tampered = [{**body["responses"][0],
                 "response": base64.b64encode(response).decode()}]
    assert "MAC" in broken(responses=tampered).reason
    other = CardCA.generate("ec")
    assert "does not belong" in broken(ephemeral_private=base64.b64encode(
        other.private.to_bytes(32, "big")).decode()).reason
    # A consistent but different ephemeral key pair: the MACs do not match.
    assert "MAC" in broken(
        ephemeral_private=base64.b64encode(other.private.to_bytes(
            32, "big")).decode(),
        ephemeral_public=base64.b64encode(other.public_key).decode()).reason
    assert "no response" in broken(responses=[]).reason
    odd = [{**body["responses"][0], "ssc": base64.b64encode(
        (1).to_bytes(16, "big")).decode()}]
    assert "even" in broken(responses=odd).reason
    assert "offers no chip authentication" in broken(
        protocol=ca_oid("ECDH", "AES-256")).reason
    assert "base64" in broken(ephemeral_private="***").reason
    assert "format" in broken(format="other").reason
    assert broken(responses=tampered).status == "failed"


def test_clone_with_its_own_dg14_key_does_not_count(ca_doc, pkis):
    """A clone copies DG1/DG2/EF.SOD but must bring its own CA key, which
    then cannot match the DG14 hash in EF.SOD."""
    clone_ca = CardCA.generate("ec")
    card = ca_doc.card()
    card.ca = clone_ca
    card.files[0x010E] = tlv.encode(0x6E, encode_security_infos(
        clone_ca.security_infos()))
    read = ChipReader(SoftwareCardTransport(card)).read(
        ca_doc.mrz_information)
    result = _verify(ca_doc, read)
    assert result.checks["data_group_hashes"].status == "failed"
    ca = result.checks["chip_authentication"]
    assert ca.status == "failed" and "not counted" in ca.reason
    assert result.chip_proofs == () and not result.ok


def test_chip_without_the_private_key_fails_the_read(ca_doc):
    card = ca_doc.card()
    card.ca = CardCA.generate("ec")  # same protocol, another private key
    with pytest.raises(SecureMessagingError, match="chip authentication"):
        ChipReader(SoftwareCardTransport(card)).read(ca_doc.mrz_information)


def test_chip_refusing_ca_reads_on_without_a_proof(ca_doc):
    card = ca_doc.card()
    card.ca = None  # DG14 promises CA, the chip answers 6D00
    read = ChipReader(SoftwareCardTransport(card)).read(
        ca_doc.mrz_information)
    assert read.ca_transcript is None
    assert any("chip authentication" in n and "6D00" in n
               for n in read.notes)
    assert read.files["DG2"] == ca_doc.data_group(2)
    plain = _verify(ca_doc, read)
    assert plain.ok and plain.checks["chip_authentication"].status == \
        "skipped"
    assert "no transcript" in plain.checks["chip_authentication"].reason
    strict = _verify(ca_doc, read, require_active_authentication=True)
    assert not strict.ok and strict.chip_proofs == ()
    assert strict.checks["active_authentication"].status == "failed"


def test_ca_can_be_switched_off_and_dg14_is_read_for_it(ca_doc):
    off = ChipReader(SoftwareCardTransport(ca_doc.card())).read(
        ca_doc.mrz_information, chip_authentication=False,
        data_groups=(1, 2))
    assert off.ca_transcript is None and "DG14" not in off.files
    on = ChipReader(SoftwareCardTransport(ca_doc.card())).read(
        ca_doc.mrz_information, data_groups=(1, 2))
    assert "DG14" in on.files and on.ca_transcript is not None


def test_transcript_for_a_document_without_ca(doc_ec, ca_doc):
    read = ChipReader(SoftwareCardTransport(ca_doc.card())).read(
        ca_doc.mrz_information)
    files = {"DG14": doc_ec.data_group(14), "DG1": doc_ec.data_group(1)}
    check = _service(doc_ec).verify_emrtd(
        files, ca_transcript=read.ca_transcript.to_dict()
    ).checks["chip_authentication"]
    assert check.status == "failed" and "offers no chip" in check.reason
    missing = _service(doc_ec).verify_emrtd(
        {"DG1": doc_ec.data_group(1)},
        ca_transcript=read.ca_transcript.to_dict())
    assert "DG14" in missing.checks["chip_authentication"].reason


def test_ca_options_key_ids_versions_and_implied_3des():
    first, second = CardCA.generate("ec", key_id=1), \
        CardCA.generate("dh", "AES-128", key_id=2)
    infos = dg14_security_infos(tlv.encode(0x6E, encode_security_infos(
        first.security_infos() + second.security_infos() + [
            tlv.encode(0x30, tlv.encode_oid(ca_oid("ECDH", "AES-256")) +
                       tlv.encode(0x02, b"\x02") +
                       tlv.encode(0x02, b"\x01"))])))  # version 2: skipped
    options = ca_options(infos)
    assert [(o.label, o.key_id) for o in options] == [
        ("CA-ECDH AES-128 secp256r1", 1),
        ("CA-DH AES-128 rfc5114-1024-160", 2)]
    mse, ga = ca_commands(options[0], first.public_key)
    assert mse.data.endswith(b"\x84\x01\x01") and ga.ins == 0x86
    # No ChipAuthenticationInfo at all: TR-03110 v1 chips imply 3DES.
    bare = dg14_security_infos(tlv.encode(0x6E, encode_security_infos(
        [encode_ca_public_key_info(first.domain, first.public_key, None)])))
    (implied,) = ca_options(bare)
    assert implied.protocol.oid == ca_oid("ECDH", "3DES")
    (kat,) = ca_commands(implied, first.public_key)
    assert (kat.p1, kat.p2) == (0x41, 0xA6) and kat.data[0] == 0x91


def test_explicit_curve_parameters_in_a_dg14_key():
    curve = BY_NAME["brainpoolP256r1"]

    def integer(value):
        return tlv.encode(0x02, value.to_bytes(value.bit_length() // 8 + 1,
                                               "big"))

    point = ecmath.encode_point(curve, ecmath.multiply(curve, 12345,
                                                       curve.generator))
    params = tlv.encode(0x30, integer(1) + tlv.encode(
        0x30, tlv.encode_oid("1.2.840.10045.1.1") + integer(curve.p)) +
        tlv.encode(0x30, tlv.encode(0x04, curve.a.to_bytes(32, "big")) +
                   tlv.encode(0x04, curve.b.to_bytes(32, "big"))) +
        tlv.encode(0x04, ecmath.encode_point(curve, curve.generator)) +
        integer(curve.n) + integer(1))
    spki = tlv.encode(0x30, tlv.encode(0x30, tlv.encode_oid(
        "1.2.840.10045.2.1") + params) + tlv.encode(0x03, b"\x00" + point))
    domain, public = parse_public_key_info(spki)
    assert domain.curve is curve and public == point
    info = tlv.encode(0x30, tlv.encode_oid("0.4.0.127.0.7.2.2.1.2") + spki)
    (option,) = ca_options(dg14_security_infos(tlv.encode(
        0x6E, encode_security_infos([info, encode_ca_info(
            ca_oid("ECDH", "AES-128"), None)]))))
    assert option.label == "CA-ECDH AES-128 brainpoolP256r1"


def test_unknown_explicit_curves_in_a_dg14_key_are_refused_quickly():
    """A hostile DG14: a non-prime "field" and a compressed base point, the case where decoding the point
    would spin in the square root. It is refused before any decoding, and fast."""
    import time  # noqa: PLC0415 - only this test times itself

    from idcard.errors import LDSError  # noqa: PLC0415

    def integer(value):
        return tlv.encode(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))

    p = (1 << 256) - 1  # not prime
    params = tlv.encode(0x30, integer(1) + tlv.encode(0x30, tlv.encode_oid("1.2.840.10045.1.1") + integer(p))
                        + tlv.encode(0x30, tlv.encode(0x04, (3).to_bytes(32, "big")) +
                                     tlv.encode(0x04, (7).to_bytes(32, "big")))
                        + tlv.encode(0x04, b"\x02" + (5).to_bytes(32, "big")) + integer(p - 2) + integer(1))
    spki = tlv.encode(0x30, tlv.encode(0x30, tlv.encode_oid("1.2.840.10045.2.1") + params)
                      + tlv.encode(0x03, b"\x00\x04" + bytes(64)))
    started = time.perf_counter()
    with pytest.raises(LDSError, match="match no named curve"):
        parse_public_key_info(spki)
    assert time.perf_counter() - started < 1.0
