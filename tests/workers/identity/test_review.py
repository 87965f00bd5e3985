"""Identity without NFC: hand-held ID photo, operator review, resubmission."""
from __future__ import annotations

import io
from functools import lru_cache

import pytest
import sqlalchemy as sa
from flask_babel import gettext
from PIL import Image

from registry.accounts.services import erase_account
from registry.core.errors import Conflict, DomainError, Forbidden
from registry.core.extensions import db
from registry.face import services as face
from tests.factories import photos
from tests.factories.accounts import make_account
from tests.factories.audit import audit_kinds
from tests.factories.enterprises import make_enterprise
from tests.factories.face import make_face_check
from tests.factories.http import csrf_token, form_post, log_in
from tests.factories.identity import make_document, submit_document
from tests.factories.workers import make_worker
from workers.identity import review as identity_review
from workers.identity import services as identity
from workers.models import RegistrationStep
from workers.services import ensure_worker

# The hand-held photo is cut from real photos around the face dlib finds, and
# approval enrolls it through the real engine.
pytestmark = pytest.mark.slow


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@lru_cache(maxsize=1)
def hand_held_photo() -> bytes:
    """The holder's face large, and the card's photo (another real face) smaller, away from it."""
    person = Image.open(io.BytesIO(photos.photo_bytes()["obama.jpg"])).convert("RGB")
    card_face = photos.camera_frame("biden.jpg").resize((320, 240))
    canvas = Image.new("RGB", (person.width + 420, max(person.height, 400)), (200, 200, 200))
    canvas.paste(person, (0, 0))
    canvas.paste(card_face, (person.width + 60, 80))
    return _jpeg(canvas)


@lru_cache(maxsize=1)
def card_side() -> bytes:
    return _jpeg(Image.new("RGB", (856, 540), (180, 200, 230)))


def photos_for_review() -> dict[str, bytes]:
    return {"hand_held": hand_held_photo(), "front": card_side(), "back": card_side()}


@pytest.fixture
def operator():
    return make_account("admin", name="审核员")


def test_approval_makes_the_larger_face_the_reference_and_completes_the_step(worker_account, worker, operator):
    review = identity_review.submit(worker, photos_for_review())
    assert review.state == "pending" and identity_review.queue()[0][0].id == review.id
    identity_review.approve(review.id, operator, "证件与本人一致")
    assert review.state == "approved" and review.decided_by_id == operator.id
    reference = face.active_reference(worker_account)
    assert reference.source == "manual_review" and reference.approved_by_id == operator.id
    # The card's face made two; the holder's (the larger) was cut out and kept.
    assert reference.photo is not None and reference.photo != hand_held_photo()
    record = identity.latest_verified(worker)
    assert record.method == "manual_review" and record.document_kind == "hand_held_photo"
    assert record.face_reference_id == reference.id and record.simulated is False
    assert identity.public_summary(record)["checks_passed"] == ["face_reference", "operator_review"]
    assert worker.identity_verified_at is not None
    assert worker.registration_step == RegistrationStep.AUTHORIZATION.value
    assert identity.photo_for(worker).startswith(b"\xff\xd8\xff")
    assert {"worker.identity_review_submitted", "worker.identity_review_approved",
            "worker.identity_verified"} <= set(audit_kinds(worker.account_id))
    assert identity_review.queue() == []


def test_rejection_shows_the_reason_and_allows_resubmission(worker_account, worker, operator):
    first = identity_review.submit(worker, photos_for_review())
    with pytest.raises(Conflict) as refusal:
        identity_review.submit(worker, photos_for_review())  # a double submission
    assert refusal.value.code == "review_pending"
    identity_review.reject(first.id, operator, "照片模糊，请重新拍摄")
    assert first.state == "rejected" and "worker.identity_review_rejected" in audit_kinds(worker.account_id)
    assert worker.identity_verified_at is None
    second = identity_review.submit(worker, photos_for_review())
    assert second.id != first.id and second.state == "pending"


def test_decisions_need_an_operator_a_reason_and_a_pending_submission(worker, operator, worker_account):
    review = identity_review.submit(worker, photos_for_review())
    with pytest.raises(Forbidden):
        identity_review.approve(review.id, worker_account, "ok")
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(DomainError) as refusal:
            identity_review.reject(review.id, operator, reason)
        assert refusal.value.code == "reason_required"
    assert review.state == "pending"
    identity_review.reject(review.id, operator, "不清晰")
    with pytest.raises(Conflict):
        identity_review.approve(review.id, operator, "改主意")
    with pytest.raises(DomainError) as refusal:
        identity_review.approve(10**9, operator, "ok")
    assert refusal.value.code == "review_not_found"


def test_approval_after_a_chip_verification_is_refused(worker_account, worker, operator):
    review = identity_review.submit(worker, photos_for_review())
    record = submit_document(make_document(worker_account), worker)
    check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    identity.complete_with_face(worker_account, check.id)
    with pytest.raises(Conflict) as refusal:
        identity_review.approve(review.id, operator, "ok")
    assert refusal.value.code == "identity_already_verified" and review.state == "pending"
    identity_review.reject(review.id, operator, "已通过证件核验")
    assert identity.latest_verified(worker).method == "chip"


def test_a_photo_without_a_face_cannot_be_approved(worker, operator):
    review = identity_review.submit(worker, {"hand_held": card_side(), "front": card_side(), "back": card_side()})
    with pytest.raises(DomainError) as refusal:
        identity_review.approve(review.id, operator, "ok")
    assert refusal.value.code == "reference_refused"
    assert worker.identity_verified_at is None


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (6000, 6000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("bad, message", [
    (b"", "This photo is missing."),
    (b"GIF89a" + b"\x00" * 100, "Upload a JPEG or PNG photo."),
    (b"\xff\xd8\xff" + b"\x00" * 100, "This photo is damaged and cannot be read."),
    (b"\xff\xd8\xff" + b"\x00" * (4 * 1024 * 1024), "This photo is larger than 4 MB."),
    (None, "This photo has too many pixels."),
])
def test_bad_photos_are_refused_by_name(worker, bad, message):
    photos = photos_for_review()
    photos["front"] = _bomb() if bad is None else bad
    with pytest.raises(DomainError) as refusal:
        identity_review.submit(worker, photos)
    assert refusal.value.fields == {"front": [gettext(message)]} and gettext(message) != message
    assert identity_review.latest_review(worker) is None


def test_review_before_enterprises_or_after_verification_is_refused(operator):
    account = make_account("worker")
    worker = ensure_worker(account)
    with pytest.raises(Conflict) as refusal:
        identity_review.submit(worker, photos_for_review())
    assert refusal.value.code == "step_out_of_order"


def test_photos_are_encrypted_at_rest(worker):
    review = identity_review.submit(worker, photos_for_review())
    raw = db.session.execute(sa.text("SELECT hand_held_photo FROM identity_review WHERE id = :id"),
                             {"id": review.id}).scalar_one()
    assert bytes(raw)[:3] != b"\xff\xd8\xff" and hand_held_photo()[:200] not in bytes(raw)


def test_account_deletion_removes_the_photos(worker_account, worker, operator):
    review = identity_review.submit(worker, photos_for_review())
    identity_review.reject(review.id, operator, "重拍")
    identity_review.submit(worker, photos_for_review())
    account_id = worker_account.id
    erase_account(worker_account)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(identity_review.IdentityReview)
                             .where(identity_review.IdentityReview.worker_id == account_id)) == 0


def test_operator_deletion_keeps_the_decision_without_its_author(worker, operator):
    review = identity_review.submit(worker, photos_for_review())
    identity_review.reject(review.id, operator, "重拍")
    erase_account(operator)
    db.session.refresh(review)
    assert review.state == "rejected" and review.decided_by_id is None


# --- pages -------------------------------------------------------------------

def _multipart(client, url, photos):
    data = {kind: (io.BytesIO(content), f"{kind}.jpg") for kind, content in photos.items()}
    data["csrf_token"] = csrf_token(client)
    return client.post(url, data=data, content_type="multipart/form-data")


def test_worker_uploads_and_operator_decides_through_the_pages(app, client, worker_account, worker, operator):
    log_in(client, worker_account)
    page = client.get("/workers/identity/manual?lang=en")
    assert page.status_code == 200 and 'data-testid="review-form"' in page.get_data(as_text=True)
    bad = _multipart(client, "/workers/identity/manual?lang=en", {"hand_held": b"nope"})
    assert bad.status_code == 422 and "Upload a JPEG or PNG photo." in bad.get_data(as_text=True)
    assert identity_review.latest_review(worker) is None
    sent = _multipart(client, "/workers/identity/manual", photos_for_review())
    assert sent.status_code == 302
    assert 'data-testid="review-pending"' in client.get("/workers/identity/manual").get_data(as_text=True)
    assert client.get("/api/v1/workers/me/identity").get_json()["state"] == "review_pending"
    assert client.get("/admin/identity/reviews").status_code == 403

    admin = app.test_client()
    log_in(admin, operator)
    queue = admin.get("/admin/identity/reviews").get_data(as_text=True)
    review = identity_review.latest_review(worker)
    assert f"/admin/identity/reviews/{review.id}" in queue
    detail = admin.get(f"/admin/identity/reviews/{review.id}")
    assert detail.status_code == 200 and worker_account.name in detail.get_data(as_text=True)
    # The reviewer compares the full number with the card (masked, it could not be compared).
    assert f'data-testid="review-id-number">{worker_account.id_number}<' in detail.get_data(as_text=True)
    assert "worker.identity_review_viewed" in audit_kinds(worker.account_id)
    photo = admin.get(f"/admin/identity/reviews/{review.id}/photos/hand_held")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["Cache-Control"] == "no-store" and photo.data == hand_held_photo()
    assert admin.get(f"/admin/identity/reviews/{review.id}/photos/passport").status_code == 404
    assert admin.get("/admin/identity/reviews/999999").status_code == 404
    empty = form_post(admin, f"/admin/identity/reviews/{review.id}?lang=en", {"decision": "reject", "reason": ""})
    assert empty.status_code == 422 and "Give a reason" in empty.get_data(as_text=True)
    odd = form_post(admin, f"/admin/identity/reviews/{review.id}?lang=en", {"decision": "maybe", "reason": "x"})
    assert odd.status_code == 422
    rejected = form_post(admin, f"/admin/identity/reviews/{review.id}", {"decision": "reject",
                                                                         "reason": "身份证背面不清晰"})
    assert rejected.status_code == 302

    page = client.get("/workers/identity/manual?lang=en").get_data(as_text=True)
    assert 'data-testid="review-rejected"' in page and "身份证背面不清晰" in page
    assert _multipart(client, "/workers/identity/manual", photos_for_review()).status_code == 302
    second = identity_review.latest_review(worker)
    approved = form_post(admin, f"/admin/identity/reviews/{second.id}", {"decision": "approve", "reason": ""})
    assert approved.status_code == 302  # approving needs no reason
    assert client.get("/api/v1/workers/me/identity").get_json()["state"] == "verified"
    again = form_post(admin, f"/admin/identity/reviews/{second.id}", {"decision": "approve", "reason": "一致"})
    assert again.status_code == 422  # decided already: refused, nothing changes


def test_review_api_upload(client, worker_account, worker):
    log_in(client, worker_account)
    data = {kind: (io.BytesIO(content), f"{kind}.jpg") for kind, content in photos_for_review().items()}
    answer = client.post("/api/v1/workers/me/identity/reviews", data=data, content_type="multipart/form-data",
                         headers={"X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 201 and answer.get_json()["state"] == "pending"
    data = {kind: (io.BytesIO(content), f"{kind}.jpg") for kind, content in photos_for_review().items()}
    twice = client.post("/api/v1/workers/me/identity/reviews", data=data, content_type="multipart/form-data",
                        headers={"X-CSRFToken": csrf_token(client)})
    assert twice.status_code == 409 and twice.get_json()["code"] == "review_pending"
    missing = make_worker(name="赵六", enterprises=[make_enterprise()])
    other = client.application.test_client()
    log_in(other, missing)
    empty = other.post("/api/v1/workers/me/identity/reviews", data={}, content_type="multipart/form-data",
                       headers={"X-CSRFToken": csrf_token(other)})
    assert empty.status_code == 422 and set(empty.get_json()["fields"]) == {"hand_held", "front", "back"}
