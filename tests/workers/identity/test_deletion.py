"""Account deletion removes every identity row."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.accounts.services import erase_account
from registry.core.errors import DomainError
from registry.core.extensions import db
from tests.factories.face import make_face_check
from tests.factories.identity import make_document, submit_document
from workers.identity import chip as identity_chip
from workers.identity import services as identity
from workers.identity.review import IdentityReview

# --- deletion ----------------------------------------------------------------

@pytest.mark.slow  # runs dlib face recognition
def test_account_deletion_removes_identity_rows(worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    face_check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    identity.complete_with_face(worker_account, face_check.id)
    account_id = worker_account.id
    erase_account(worker_account)
    for model in (identity.IdentityRecord, identity.IdentityBinding, identity.IdentityNonce, IdentityReview):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                 .where(model.worker_id == account_id)) == 0


def test_deletion_hook_runs_on_its_own(worker_account, worker):
    identity_chip.issue_binding_code(worker)
    identity_chip.issue_chip_challenge(worker)
    with pytest.raises(DomainError):
        submit_document(make_document(worker_account), worker, trust=False)
    identity.delete_identity_data(worker_account)
    for model in (identity.IdentityRecord, identity.IdentityBinding, identity.IdentityNonce):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                 .where(model.worker_id == worker_account.id)) == 0
