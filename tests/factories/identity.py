"""Identity documents: software-card documents carrying an account's identity, and chip reads of them."""
from __future__ import annotations

from functools import lru_cache

from idcard.icao.reader import ChipReader
from idcard.softcard import SoftwareCardTransport, build_document, generate_pki
from readerstation.reading import chip_photo
from registry.core.idnumbers import birth_date_of
from tests.factories import photos
from workers.identity import chip as identity_chip


@lru_cache(maxsize=1)
def shared_pki():
    """One simulated CSCA for the documents (generating keys is the slow part)."""
    return generate_pki()


@lru_cache(maxsize=4)
def real_photo(name: str = "obama.jpg") -> bytes:
    """A real face photo shrunk to what a chip holds."""
    return chip_photo(photos.photo_bytes()[name])


def make_document(account, *, name: str | None = None, id_number: str | None = None, birth: str | None = None,
                  photo: bytes | None = None, dg11: dict | None = None, pki=None):
    """A software card carrying the account's identity unless told otherwise."""
    id_number = id_number or account.id_number
    birth = birth or birth_date_of(id_number).strftime("%y%m%d")
    groups = dg11 if dg11 is not None else {0x5F0E: name or account.name, 0x5F10: id_number}
    return build_document(document_number="E12345678", birth_date=birth, surname="SIMULATED",
                          given_names="HOLDER", nationality="CHN", issuing_state="CHN",
                          face_jpeg=photo or real_photo(), dg11=groups, pki=pki or shared_pki())


def read_chip(document, worker):
    """What a reader hands the service: raw files and the chip's answer to our challenge."""
    challenge = identity_chip.issue_chip_challenge(worker)
    return ChipReader(SoftwareCardTransport(document.card())).read(document.mrz_information,
                                                                 aa_challenge=challenge)


def submit_document(document, worker, *, trust: bool = True, files: dict | None = None):
    """Read and submit a document as the desk reader would."""
    read = read_chip(document, worker)
    return identity_chip.submit_chip_read(worker, files or read.files, aa_challenge=read.aa_challenge,
                                          aa_response=read.aa_response,
                                          extra_csca=[document.csca_certificate] if trust else [], simulated=True)
