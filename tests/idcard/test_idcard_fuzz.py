"""Property tests: every parser meets malformed, truncated, oversized and
random input with the package's own error and nothing else.

"Nothing else" is the point: each test lets any exception other than the
expected IdCardError subclass propagate and fail. Mutations of valid files
reach much deeper into the parsers than random bytes alone.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idcard import tlv
from idcard.cnid import build_resident_record, parse_resident_record
from idcard.errors import (
    CertificateError,
    IdCardError,
    LDSError,
    MRZError,
    ParseError,
    ResidentIdError,
    SecureMessagingError,
    SignatureError,
    SODError,
    TLVError,
)
from idcard.icao.aa import verify_active_authentication
from idcard.icao.apdu import CommandAPDU
from idcard.icao.lds import aa_hash_name, parse_com, parse_dg1, parse_dg2, parse_dg11, parse_dg14, parse_dg15
from idcard.icao.mrz import mrz_information, parse_mrz
from idcard.icao.sm import SecureMessaging
from idcard.icao.sod import parse_sod
from idcard.icao.trust import TrustStore, load_certificates, parse_master_list
from idcard.softcard import build_document, demo_face_jpeg, generate_pki
from idcard.softcard.pki import build_master_list, issue_certificate
from idcard.verification import VerificationService

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = [pytest.mark.own_app, pytest.mark.timeout(120)]

# The autouse fixtures of tests/conftest.py are function scoped; they do not
# touch anything these parsers use, so hypothesis may ignore them.
FUZZ = settings(max_examples=int(__import__("os").environ.get("FUZZ_N", "200")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Valid material, built once at import so strategies can refer to it.
_PKI = generate_pki(signature="ecdsa")
_DOC = build_document(pki=_PKI, face_jpeg=demo_face_jpeg((48, 64)), aa="ec")
_ML_KEY, _ML_CERT = issue_certificate(_PKI, "ML Signer")
VALID = {
    "COM": _DOC.files[0x011E], "SOD": _DOC.files[0x011D],
    "DG1": _DOC.data_group(1), "DG2": _DOC.data_group(2),
    "DG11": _DOC.data_group(11), "DG14": _DOC.data_group(14),
    "DG15": _DOC.data_group(15),
    "CERT": _PKI.csca_pem, "ML": build_master_list([_PKI.csca_cert],
                                                   _ML_KEY, _ML_CERT),
    "RECORD": build_resident_record(
        name="王芳", sex_code="2", ethnicity_code="01", birth_date="19900101",
        address="上海市", id_number="310101199001010028",
        issuing_authority="上海市公安局", valid_from="20100101",
        valid_until="20300101"),
}


@st.composite
def mutated(draw, blob: bytes):
    """``blob`` after a few flips, truncations, insertions or deletions."""
    data = bytearray(blob)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete",
                                   "grow"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            data += draw(st.binary(min_size=1, max_size=600))
    return bytes(data)


def inputs(name: str):
    """Random bytes, mutated valid bytes, or valid bytes."""
    return st.one_of(st.binary(max_size=400), mutated(VALID[name]),
                     st.just(VALID[name]))


@FUZZ
@given(st.binary(max_size=300))
def test_tlv_decoders(data):
    for call in (lambda: tlv.decode(data), lambda: tlv.decode_all(data),
                 lambda: tlv.total_length(data), lambda: tlv.decode_oid(data),
                 lambda: tlv.decode(data, allow_trailing=True).children()):
        try:
            result = call()
        except TLVError:
            continue
        if isinstance(result, tlv.TLV):
            # A decoded value always lies inside the input.
            assert result.value in data


@FUZZ
@given(st.binary(min_size=0, max_size=70000), st.integers(0, 0xFFFF))
def test_truncated_tlv_never_yields_a_short_value(value, cut):
    encoded = tlv.encode(0x75, value)
    cut = min(cut, len(encoded) - 1)
    with pytest.raises(TLVError):
        tlv.decode(encoded[:cut])


@FUZZ
@given(st.one_of(st.text(max_size=120),
                 st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<\n",
                         max_size=100),
                 st.sampled_from([30 * 3, 36 * 2, 44 * 2, 88, 90]).flatmap(
                     lambda n: st.text(alphabet="ABCZ0189<", min_size=n,
                                       max_size=n)),
                 st.text(min_size=300, max_size=2000)))
def test_mrz_parser(text):
    try:
        mrz = parse_mrz(text)
    except MRZError:
        return
    assert mrz.document_type in ("TD1", "TD2", "TD3")


@FUZZ
@given(st.text(max_size=30), st.text(max_size=8), st.text(max_size=8))
def test_mrz_information(number, birth, expiry):
    try:
        info = mrz_information(number, birth, expiry)
    except MRZError:
        return
    assert len(info) >= 24


@pytest.mark.parametrize("name, parser", [
    ("COM", parse_com), ("DG1", parse_dg1), ("DG2", parse_dg2),
    ("DG11", parse_dg11), ("DG14", parse_dg14), ("DG15", parse_dg15),
    ("DG14", aa_hash_name)])
def test_lds_parsers(name, parser):
    @FUZZ
    @given(inputs(name))
    def run(data):
        try:
            parsed = parser(data)
        except (LDSError, MRZError):
            return
        if name == "DG2":
            for face in parsed:
                try:
                    face.to_pillow()
                except LDSError:
                    pass
    run()


@FUZZ
@given(inputs("SOD"))
def test_sod_parser_and_signature(data):
    try:
        sod = parse_sod(data)
    except SODError:
        return
    try:
        sod.verify_signature()
    except SignatureError:
        pass


@FUZZ
@given(st.one_of(inputs("CERT"), mutated(_PKI.csca_cert.public_bytes(
    __import__("cryptography.hazmat.primitives.serialization",
               fromlist=["Encoding"]).Encoding.DER))))
def test_certificate_loader(data):
    try:
        certs = load_certificates(data)
    except CertificateError:
        return
    assert certs


@FUZZ
@given(inputs("ML"))
def test_master_list_parser(data):
    try:
        parse_master_list(data)
    except CertificateError:
        pass
    try:
        TrustStore().add_bytes(data)
    except CertificateError:
        pass


@FUZZ
@given(st.one_of(st.binary(max_size=600), mutated(VALID["RECORD"]),
                 st.binary(min_size=256, max_size=256)),
       st.one_of(st.none(), st.binary(max_size=1100)))
def test_resident_record_parser(record, wlt):
    try:
        rec = parse_resident_record(record, wlt)
    except ResidentIdError:
        return
    assert len(rec.id_number) == 18


@FUZZ
@given(st.binary(max_size=300))
def test_secure_messaging_rejects_random_responses(response):
    sm = SecureMessaging(bytes(16), bytes(range(16)), bytes(8))
    sm.protect(bytes.fromhex("00B0000004"))
    with pytest.raises(SecureMessagingError):
        sm.unprotect(response)


@FUZZ
@given(st.binary(max_size=300))
def test_apdu_decoder(raw):
    try:
        cmd = CommandAPDU.decode(raw)
    except ParseError:
        return
    assert cmd.encode() == raw or raw[4:5] == b"\x00"


@FUZZ
@given(st.lists(st.binary(max_size=60), max_size=6))
def test_software_card_answers_anything_with_a_status(apdus):
    card = _DOC.card()
    for raw in [bytes.fromhex("00A4040C07A0000002471001")] + apdus:
        response = card.process(raw)
        assert len(response) >= 2


@FUZZ
@given(st.binary(max_size=140), st.binary(min_size=8, max_size=8))
def test_active_authentication_verifier(response, challenge):
    key = parse_dg15(VALID["DG15"])
    with pytest.raises(SignatureError):
        verify_active_authentication(key, challenge, response, "sha256")


@FUZZ
@given(st.dictionaries(st.sampled_from(["COM", "SOD", "DG1", "DG2", "DG14",
                                        "DG15", "DG11", "DG99", "X"]),
                       st.binary(max_size=200), max_size=6),
       st.sampled_from(["SOD", "DG1", "DG2", "DG15"]), st.data())
def test_verification_service_never_raises(extra, target, data):
    service = VerificationService(TrustStore([_PKI.csca_cert]))
    files = {k: v for k, v in VALID.items()
             if k in ("COM", "SOD", "DG1", "DG2", "DG14", "DG15")}
    files[target] = data.draw(mutated(files[target]))
    files.update(extra)
    try:
        result = service.verify_emrtd(files, session_key="s",
                                      aa_challenge=b"\x00" * 8,
                                      aa_response=data.draw(st.binary(
                                          max_size=80)))
    except IdCardError as exc:  # pragma: no cover - must not happen
        raise AssertionError(f"service raised {exc!r}") from exc
    assert not result.ok
    assert set(result.checks) >= {"mrz_check_digits", "sod_signature"}
