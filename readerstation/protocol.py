"""The station protocol, shared by the station and the platform: how a request is signed.

Every request a station sends carries three headers: its station id, the
time (Unix seconds) and an Ed25519 signature over the method, the path with
its query, that time and the SHA-256 of the body. The platform refuses a
time more than CLOCK_SKEW_SECONDS away from its own, so a captured request
is worthless after a few minutes; within them, replaying gains nothing:
enrolment codes, pairing codes and reads are each single-use.
"""
from __future__ import annotations

import hashlib

VERSION = b"registry-station-v1"
HEADER_STATION = "X-Station-Id"
HEADER_TIME = "X-Station-Time"
HEADER_SIGNATURE = "X-Station-Signature"
CLOCK_SKEW_SECONDS = 300

# Why a station could not read a document, as the platform shows it to the worker.
PROBLEMS = ("no_document", "access_denied", "document_removed", "unsupported_document", "reader_error")


def signing_input(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    """The bytes a station signs: version, METHOD, path?query, time, sha256(body), one per line."""
    return b"\n".join((VERSION, method.upper().encode("ascii"), path.encode("utf-8"), timestamp.encode("ascii"),
                       hashlib.sha256(body).hexdigest().encode("ascii")))
