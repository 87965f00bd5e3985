"""The face API and page, through HTTP with sessions and CSRF."""
from __future__ import annotations

import io

import pytest

from registry.core.extensions import db
from registry.face.models import FaceChallenge, FaceCheck
from tests.factories import photos as P
from tests.factories.accounts import make_account
from tests.factories.face_capture import genuine_capture
from tests.factories.http import api_post, csrf_token, log_in

# These tests run dlib face recognition (the real engine on real photos).
pytestmark = pytest.mark.slow

F, R = P.FRONTAL, P.TURNED_RIGHT


def upload(client, challenge_id, frames, field="frames"):
    data = {"challenge_id": challenge_id,
            field: [(io.BytesIO(f), f"frame-{i:02d}.jpg", "image/jpeg") for i, f in enumerate(frames)]}
    return client.post("/api/v1/face/checks", data=data, content_type="multipart/form-data",
                       headers={"X-CSRFToken": csrf_token(client)})


@pytest.fixture
def signed_in(client, worker, face_config):
    face_config(FACE_CHALLENGE_ACTIONS_FOR_TESTS=["turn_right"])
    log_in(client, worker)
    client.get("/?lang=en")  # the texts below are asserted in English; Chinese is the default
    return client


# What must never reach the person: it would tell an attacker how to adjust a prepared capture.
HIDDEN = {"scores", "thresholds", "engine", "provider", "frame_index", "match_distance", "distance"}


def _hidden_keys(body) -> set[str]:
    if isinstance(body, dict):
        return (set(body) & HIDDEN) | {k for v in body.values() for k in _hidden_keys(v)}
    if isinstance(body, list):
        return {k for v in body for k in _hidden_keys(v)}
    return set()


def upload_capture(client, challenge_id, frames, times):
    data = {"challenge_id": challenge_id, "times": ",".join(f"{t:.1f}" for t in times),
            "frames": [(io.BytesIO(f), f"frame-{i:02d}.jpg", "image/jpeg") for i, f in enumerate(frames)]}
    return client.post("/api/v1/face/checks", data=data, content_type="multipart/form-data",
                       headers={"X-CSRFToken": csrf_token(client)})


def test_challenge_then_camera_capture_passes_and_no_answer_carries_a_score(signed_in):
    response = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"})
    assert response.status_code == 201, response.get_json()
    challenge = response.get_json()
    assert challenge["actions"] == [{"code": "turn_right", "prompt": "Turn your head slowly to your right",
                                     "photo_prompt": "A photo with your head turned to your right"}]
    assert 118 <= challenge["expires_in"] <= 120 and challenge["capture"] == "camera"
    plan = challenge["plan"]
    assert plan["kind"] == "flash" and plan["windows"][0]["action"] == "turn_right"
    assert len({segment["colour"] for segment in plan["flash"]}) >= 3
    assert plan["flash"][-1]["end_ms"] == plan["total_ms"] and plan["frame_interval_ms"] == 100
    frames, times = genuine_capture(db.session.get(FaceChallenge, challenge["id"]).capture_plan, seed=3)
    response = upload_capture(signed_in, challenge["id"], frames, times)
    assert response.status_code == 201
    decision = response.get_json()
    assert decision["passed"] is True and decision["reason"] is None and decision["purpose"] == "check_in"
    assert decision["message"] == "Face verification passed."
    again = signed_in.get(f"/api/v1/face/checks/{decision['id']}").get_json()
    assert again["id"] == decision["id"]
    reference = signed_in.get("/api/v1/face/reference").get_json()
    for body in (challenge, decision, again, reference):
        assert _hidden_keys(body) == set(), body
    stored = db.session.get(FaceCheck, decision["id"])
    assert stored.scores and stored.thresholds  # operators read them from the record


def test_a_camera_capture_needs_its_times(signed_in):
    challenge = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"}).get_json()
    bad = signed_in.post("/api/v1/face/checks", content_type="multipart/form-data",
                         headers={"X-CSRFToken": csrf_token(signed_in)},
                         data={"challenge_id": challenge["id"], "times": "0,abc,nan",
                               "frames": [(io.BytesIO(f), "f.jpg", "image/jpeg") for f in P.frames(F, F, R)]})
    assert bad.status_code == 422 and "times" in bad.get_json()["fields"]
    assert db.session.get(FaceChallenge, challenge["id"]).used_at is None  # nothing was spent
    missing = upload(signed_in, challenge["id"], P.frames(F, F, R)).get_json()
    assert (missing["passed"], missing["reason"]) == (False, "capture_incomplete")


def test_a_photo_challenge_names_the_photos_to_take(signed_in, face_config):
    face_config(FACE_CHALLENGE_ACTIONS_FOR_TESTS=None)
    off = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in", "capture": "photos"})
    assert off.status_code == 403 and off.get_json()["code"] == "photo_capture_off"
    face_config(FACE_PHOTO_CAPTURE=True, FACE_MAX_CHALLENGES=100)
    for _ in range(20):
        response = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in", "capture": "photos"})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert body["plan"] is None and body["capture"] == "photos"
        assert body["actions"] and all(a["code"] != "blink" and a["photo_prompt"].startswith("A photo with")
                                       for a in body["actions"])
    bad = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in", "capture": "fax"})
    assert bad.status_code == 422 and "capture" in bad.get_json()["fields"]


def test_a_refused_check_is_recorded_and_named(signed_in, face_config):
    face_config(FACE_PHOTO_CAPTURE=True)
    challenge = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "consent", "capture": "photos"}).get_json()
    response = upload(signed_in, challenge["id"], P.frames(F, F) + [b"GIF89a..."])
    decision = response.get_json()
    assert response.status_code == 201 and decision["passed"] is False
    assert decision["reason"] == "unsupported_format" and "frame_index" not in decision
    assert decision["message"].startswith("Picture 3:")  # uploaded photos: the number means something
    # The challenge was spent by that attempt.
    again = upload(signed_in, challenge["id"], P.frames(F, F, R))
    assert again.get_json()["reason"] == "challenge_used"


def test_liveness_refusals_share_one_reason(signed_in, face_config):
    """A still photo (no_movement in the record) is told only that liveness was not confirmed."""
    face_config(FACE_PHOTO_CAPTURE=True)
    challenge = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "consent", "capture": "photos"}).get_json()
    decision = upload(signed_in, challenge["id"], P.frames(F, F, F)).get_json()
    assert decision["passed"] is False and decision["reason"] in ("not_live", "action_missing")
    assert db.session.get(FaceCheck, decision["id"]).reason in ("no_movement", "action_missing")


def test_starting_challenges_counts_towards_a_limit(signed_in, face_config):
    face_config(FACE_MAX_CHALLENGES=3)
    for _ in range(3):
        assert api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"}).status_code == 201
    refused = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_request_level_errors_are_json(client, signed_in):
    assert upload(signed_in, "", P.frames(F, F, R)).status_code == 422
    assert upload(signed_in, "nope", P.frames(F, F, R)).get_json()["code"] == "challenge_not_found"
    response = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "anything"})
    assert response.status_code == 422 and "purpose" in response.get_json()["fields"]
    no_csrf = signed_in.post("/api/v1/face/challenges", json={"purpose": "check_in"})
    assert no_csrf.status_code == 400 and no_csrf.get_json()["code"] == "csrf_failed"
    not_json = signed_in.post("/api/v1/face/challenges", data="purpose=check_in",
                              headers={"X-CSRFToken": csrf_token(signed_in)})
    assert not_json.status_code == 415


def test_login_required(app):
    anonymous = app.test_client()
    response = api_post(anonymous, "/api/v1/face/challenges", {"purpose": "check_in"})
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"
    assert anonymous.get("/face/check").status_code == 302


def test_rate_limit_answers_429_with_retry_after(signed_in):
    for _ in range(5):
        challenge = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"}).get_json()
        assert upload(signed_in, challenge["id"], [b"x", b"y", b"z"]).get_json()["passed"] is False
    response = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert response.get_json()["code"] == "face_rate_limited"


def test_reference_status_never_shows_the_template(signed_in):
    body = signed_in.get("/api/v1/face/reference").get_json()
    assert body["enrolled"] is True and body["source"] == "chip_dg2" and "template" not in body


def test_operator_approves_a_reference_photo(client, photos):
    operator, person = make_account("admin", name="运营"), make_account("worker", name="孙七")
    log_in(client, operator)
    client.get("/?lang=en")
    response = client.post("/api/v1/face/references", content_type="multipart/form-data",
                           headers={"X-CSRFToken": csrf_token(client)},
                           data={"account_id": str(person.id),
                                 "photo": (io.BytesIO(photos["obama.jpg"]), "photo.jpg", "image/jpeg")})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["source"] == "manual_review" and not _hidden_keys(response.get_json())
    refused = client.post("/api/v1/face/references", content_type="multipart/form-data",
                          headers={"X-CSRFToken": csrf_token(client)},
                          data={"account_id": str(person.id), "photo": (io.BytesIO(b"\x00" * 10), "x.jpg")})
    assert refused.status_code == 422 and refused.get_json()["code"] == "unsupported_format"


def test_only_operators_approve_references(signed_in, worker):
    response = signed_in.post("/api/v1/face/references", content_type="multipart/form-data",
                              headers={"X-CSRFToken": csrf_token(signed_in)}, data={"account_id": str(worker.id)})
    assert response.status_code == 403


def test_capture_page_embeds_the_component(signed_in):
    page = signed_in.get("/face/check?purpose=consent&next=/somewhere").get_data(as_text=True)
    assert 'data-face-capture' in page and 'data-purpose="consent"' in page
    assert 'data-success-url="/somewhere"' in page and "js/face-capture.js" in page
    hostile = signed_in.get("/face/check?next=https://evil.example/").get_data(as_text=True)
    assert 'data-success-url="https://evil' not in hostile and 'data-success-url="/face/check' in hostile


def test_openapi_lists_the_face_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/face/challenges", "/api/v1/face/checks", "/api/v1/face/checks/{check_id}",
            "/api/v1/face/reference", "/api/v1/face/references"} <= set(paths)


def test_garbage_multipart_never_500s(signed_in):
    challenge = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"}).get_json()
    response = signed_in.post("/api/v1/face/checks", data=b"--xx\r\nbroken", headers={
        "X-CSRFToken": csrf_token(signed_in), "Content-Type": "multipart/form-data; boundary=xx"})
    assert response.status_code < 500
    response = upload(signed_in, challenge["id"], [], field="other")
    assert response.status_code == 201 and response.get_json()["reason"] == "too_few_frames"


def test_an_upload_over_the_request_limit_is_413_json(signed_in):
    challenge = api_post(signed_in, "/api/v1/face/challenges", {"purpose": "check_in"}).get_json()
    # The body is built by hand: the test client would spool a large upload to a temporary file.
    boundary = "face-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"challenge_id\"\r\n\r\n{challenge['id']}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"frames\"; filename=\"a.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode() + b"\x00" * (13 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = signed_in.post("/api/v1/face/checks", data=body, headers={
        "X-CSRFToken": csrf_token(signed_in), "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"
