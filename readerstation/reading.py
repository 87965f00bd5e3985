"""Reading documents at the station: real chips over nfcpy, software cards for simulated reads, SAM records.

Nothing here talks to the platform; `client.py` uploads what this returns.
"""
from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass

from PIL import Image, ImageOps

from idcard.cnid import build_resident_record
from idcard.errors import AccessDeniedError, CardRemovedError, IdCardError, NoCardError, NotIsoDepError
from idcard.icao.reader import ChipReader, ChipReadResult
from idcard.softcard import SoftwareCardTransport, build_document


def chip_photo(image: bytes, max_side: int = 480) -> bytes:
    """A photo shrunk to what a chip holds (DG2 is a few tens of kB), as JPEG."""
    with Image.open(io.BytesIO(image)) as source:
        picture = ImageOps.exif_transpose(source).convert("RGB")
    picture.thumbnail((max_side, max_side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def _birth_of(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


@dataclass
class SimulatedRead:
    """A software card's read: the files plus the card's CSCA, which the platform trusts only for this read."""

    read: ChipReadResult
    csca_pem: bytes


def simulated_document(holder: dict, face_photo: bytes):
    """A software card personalized for the paired account: its name and ID number in DG11, its birth date.

    The MRZ carries placeholder Latin names: the platform matches DG11 (the
    name in Chinese characters, the ID number) and the birth date, as for
    real permits. The card answers PACE and BAC and proves itself with Chip
    Authentication and Active Authentication, like a current passport.
    """
    birth = _birth_of(holder["id_number"]).strftime("%y%m%d")
    return build_document(document_number="E" + uuid.uuid4().hex[:8].upper(), birth_date=birth,
                          surname="SIMULATED", given_names="HOLDER", nationality="CHN", issuing_state="CHN",
                          face_jpeg=chip_photo(face_photo), dg11={0x5F0E: holder["name"], 0x5F10: holder["id_number"]},
                          aa="ec", **SIMULATED_CARD_FEATURES)


# The simulated card is a current passport: PACE and BAC, Chip Authentication beside Active
# Authentication, extended-length APDUs.
SIMULATED_CARD_FEATURES: dict = {"access": "both", "chip_authentication": "ec", "extended_length": True}


def read_simulated(holder: dict, face_photo: bytes, aa_challenge: bytes) -> SimulatedRead:
    """Read a software card made for the holder, exactly as a real chip is read."""
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415 - only simulated reads

    document = simulated_document(holder, face_photo)
    read = ChipReader(SoftwareCardTransport(document.card())).read(document.mrz_information, aa_challenge=aa_challenge)
    return SimulatedRead(read, document.csca_certificate.public_bytes(Encoding.PEM))


def read_real(transport, *, mrz_information: str | None = None, can: str | None = None,
              aa_challenge: bytes) -> ChipReadResult:
    """Read a real chip through an open transport (PACE first where the chip offers it, else BAC)."""
    reader = ChipReader(transport)
    if can is not None:
        return reader.read(mrz_information, can=can, aa_challenge=aa_challenge)
    return reader.read(mrz_information, aa_challenge=aa_challenge)


def problem_of(error: IdCardError) -> str:
    """The protocol's problem code for a failed read (the worker's page words it)."""
    if isinstance(error, NoCardError):
        return "no_document"
    if isinstance(error, AccessDeniedError):
        return "access_denied"
    if isinstance(error, CardRemovedError):
        return "document_removed"
    if isinstance(error, NotIsoDepError):
        return "unsupported_document"
    return "reader_error"


def simulated_resident_card(holder: dict, face_photo: bytes) -> tuple[bytes, bytes]:
    """A SAM reader's output for a simulated resident ID card: the 256-byte record and the decoded photo (PNG).

    A real SAM reader delivers the photo as WLT data that only the vendor's
    SDK decodes; the station sends what the SDK decoded.
    """
    birth = _birth_of(holder["id_number"])
    sex = "1" if int(holder["id_number"][16]) % 2 else "2"
    today = dt.date.today()
    record = build_resident_record(name=holder["name"], sex_code=sex, ethnicity_code="01",
                                   birth_date=birth.strftime("%Y%m%d"), address="模拟地址",
                                   id_number=holder["id_number"], issuing_authority="模拟公安局",
                                   valid_from=today.replace(year=today.year - 1).strftime("%Y%m%d"),
                                   valid_until=today.replace(year=today.year + 9).strftime("%Y%m%d"))
    with Image.open(io.BytesIO(face_photo)) as source:
        picture = ImageOps.exif_transpose(source).convert("RGB")
    picture.thumbnail((480, 480))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return record, out.getvalue()
