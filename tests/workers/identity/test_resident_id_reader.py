"""The resident ID reader (居民身份证阅读器): its record must match the account exactly, and the card photo
the reader decoded becomes the face reference (face binding is never skipped)."""
from __future__ import annotations

import pytest

from idcard.cnid import build_resident_record
from registry.core.errors import DomainError
from tests.factories.identity import real_photo
from workers.identity import chip as identity_chip


def _resident_record(name: str, id_number: str) -> bytes:
    sex = "1" if int(id_number[16]) % 2 else "2"  # GB 11643: odd sequence numbers are men
    return build_resident_record(name=name, sex_code=sex, ethnicity_code="01", birth_date=id_number[6:14],
                                 address="北京市朝阳区", id_number=id_number, issuing_authority="北京市公安局",
                                 valid_from="20200101", valid_until="20400101")


@pytest.mark.slow  # runs dlib face recognition
def test_resident_id_reader_record_must_match_exactly(worker_account, worker):
    record = identity_chip.submit_resident_id_read(worker, _resident_record(worker_account.name,
                                                                            worker_account.id_number),
                                                   photo=real_photo())
    assert record.method == "resident_id_reader" and record.document_verified_at is not None
    assert record.checks["identity_match"]["status"] == "passed"
    assert record.checks["face_reference"]["status"] == "passed" and record.face_reference_id is not None
    with pytest.raises(DomainError) as refusal:
        identity_chip.submit_resident_id_read(worker, _resident_record("别人", worker_account.id_number),
                                              photo=real_photo())
    assert refusal.value.code == "identity_mismatch"


def test_a_resident_id_read_without_the_decoded_photo_stops(worker_account, worker):
    with pytest.raises(DomainError) as refusal:
        identity_chip.submit_resident_id_read(worker, _resident_record(worker_account.name,
                                                                       worker_account.id_number))
    assert refusal.value.code == "no_face_photo"
