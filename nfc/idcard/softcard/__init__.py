"""Software eMRTD chip for tests, benchmarks and the development demo.

Never part of a production configuration: every read through it is marked
``simulated``, and its test PKI is generated on the fly.
"""

from .card import SoftwareCard, SoftwareCardTransport
from .personalize import TestDocument, TestPKI, build_document, demo_face_jpeg, generate_pki, make_td1, make_td3

__all__ = ["SoftwareCard", "SoftwareCardTransport", "TestDocument", "TestPKI",
           "build_document", "demo_face_jpeg", "generate_pki", "make_td1",
           "make_td3"]
