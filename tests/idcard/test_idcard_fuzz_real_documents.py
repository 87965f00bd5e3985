"""Property tests for the parsers of real-document encodings: 39794-5 DG2, DG7, DG12, DG13, DG16,
public keys with explicit EC parameters or unsigned moduli, and CRLs. Malformed input must end in
the package's own error and nothing else (any other exception fails the test)."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idcard.errors import CertificateError, LDSError
from idcard.icao.crl import load_crl
from idcard.icao.datagroups import parse_dg7, parse_dg12, parse_dg13, parse_dg16
from idcard.icao.keys import load_public_key
from idcard.icao.lds import parse_dg2
from idcard.icao.trust import TrustStore
from idcard.softcard import demo_face_jpeg, generate_pki
from idcard.softcard.groups import encode_dg2_39794, encode_dg7, encode_dg12, encode_dg16
from idcard.softcard.pki import issue_crl
from idcard.softcard.variants import explicit_spki_of, negative_modulus_spki

# The idcard tests need neither the Flask app nor the database: opt out of
# the shared per-test app context and transaction (tests/conftest.py).
pytestmark = [pytest.mark.own_app, pytest.mark.timeout(120)]

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_N", "200")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_FACE = demo_face_jpeg((32, 40))
_PKI = generate_pki(signature="ecdsa")
VALID = {
    "DG2": encode_dg2_39794([(_FACE, 32, 40)]),
    "DG7": encode_dg7([_FACE]),
    "DG12": encode_dg12({0x5F19: "AUTHORITY", 0x5F26: "20240115", 0x5F1D: _FACE}, ["DOE<<JANE"]),
    "DG16": encode_dg16([{0x5F50: "20230301", 0x5F51: "DOE<<JANE"}]),
    "EC": explicit_spki_of(ec.generate_private_key(ec.BrainpoolP256R1()).public_key()),
    "RSA": negative_modulus_spki(rsa.generate_private_key(65537, 1024).public_key()),
    "CRL": issue_crl(_PKI, [_PKI.ds_cert]).public_bytes(serialization.Encoding.DER),
}


@st.composite
def mutated(draw, blob: bytes):
    """``blob`` after a few byte flips, cuts or insertions."""
    data = bytearray(blob)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=6))
    return bytes(data)


def inputs(name: str):
    """Random bytes, or a mutation of a valid file."""
    return st.one_of(st.binary(max_size=300), mutated(VALID[name]))


@FUZZ
@given(inputs("DG2"), inputs("DG7"), inputs("DG12"), inputs("DG16"))
def test_data_group_parsers(dg2, dg7, dg12, dg16):
    for parser, data in ((parse_dg2, dg2), (parse_dg7, dg7), (parse_dg12, dg12), (parse_dg13, dg12),
                         (parse_dg16, dg16)):
        try:
            parser(data)
        except LDSError:
            pass


@FUZZ
@given(st.one_of(inputs("EC"), inputs("RSA")))
def test_public_key_loader(spki):
    try:
        load_public_key(spki, LDSError)
    except LDSError:
        pass


@FUZZ
@given(inputs("CRL"))
def test_crl_loader_and_verification(data):
    try:
        TrustStore([_PKI.csca_cert]).add_crl(load_crl(data))
    except CertificateError:
        pass
