"""Shared fixtures for the idcard tests.

Key generation dominates the suite's run time, so PKIs and documents are
built once per session and cards are fresh per test (cards hold state).
"""

from __future__ import annotations

import pytest

from idcard.softcard import build_document, demo_face_jpeg, generate_pki


@pytest.fixture(scope="session")
def pkis():
    """One test PKI per SOD signature scheme."""
    return {sig: generate_pki(signature=sig)
            for sig in ("rsa-pkcs1", "rsa-pss", "ecdsa")}


@pytest.fixture(scope="session")
def face_jpeg():
    """A small synthetic face portrait."""
    return demo_face_jpeg((120, 160))


@pytest.fixture(scope="session")
def doc_ec(pkis, face_jpeg):
    """TD3 passport, RSA PKCS#1 v1.5 SOD, ECDSA active authentication."""
    return build_document(pki=pkis["rsa-pkcs1"], face_jpeg=face_jpeg, aa="ec")


@pytest.fixture(scope="session")
def doc_rsa(pkis, face_jpeg):
    """TD1 ID card, ECDSA SOD, RSA (ISO 9796-2) active authentication."""
    return build_document(pki=pkis["ecdsa"], face_jpeg=face_jpeg, aa="rsa",
                          layout="TD1", document_number="D23145890734",
                          surname="Zhang", given_names="Wei", sex="M",
                          birth_date="900101")


@pytest.fixture(scope="session")
def doc_no_aa(pkis, face_jpeg):
    """Passport without DG15, RSA-PSS SOD."""
    return build_document(pki=pkis["rsa-pss"], face_jpeg=face_jpeg, aa=None)
