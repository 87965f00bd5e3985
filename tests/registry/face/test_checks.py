"""Whole checks on real photos: liveness sequences, refusals, replay, rate limit.

Sequences are composed from independent real photos of one person; each
test says what its frames show. "Turned right/left" is the person's own
right/left, seen from the camera. The reference is obama3.jpg (enrolled as
if read from the chip); the frames come from obama.jpg and obama2.jpg, and
from obama3.jpg only where a turn to the left is needed.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from PIL import Image

from registry.audit.models import AuditEvent
from registry.core.errors import Conflict, DomainError, NotFound, RateLimited
from registry.core.extensions import db
from registry.face import services
from registry.face.models import FaceCheck
from tests.factories import photos as P
from tests.factories.accounts import make_account

# These tests run dlib face recognition (the real engine on real photos).
pytestmark = pytest.mark.slow

F, R, L = P.FRONTAL, P.TURNED_RIGHT, P.TURNED_LEFT


def verify(account, challenge, poses=None, frames=None) -> FaceCheck:
    return services.verify(account, challenge.id, frames if frames is not None else P.frames(*poses))


def test_turn_right_passes_and_the_decision_is_recorded(worker, challenge_for):
    # Frontal, frontal, frontal, then the head turned to his right (obama2.jpg) three times.
    challenge = challenge_for(worker, "turn_right")
    check = verify(worker, challenge, [F, F, F, R, R, R])
    assert check.passed and check.reason is None
    assert check.scores["match_distance"] <= check.thresholds["match_threshold"] == 0.5
    assert check.scores["action_frames"] == {"turn_right": 3}
    assert check.engine.startswith("dlib-") and "face_recognition_models-0.3.0" in check.engine
    assert check.frames is None  # not kept without the operator setting
    assert check.actions == "turn_right" and check.purpose == "check_in" and check.frame_count == 6
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == "face.check")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.subject_id == worker.id


def test_two_actions_in_the_asked_order_pass(worker, challenge_for):
    # Frontal; turned to his right (obama2); frontal again; turned to his left (obama3).
    challenge = challenge_for(worker, "turn_right", "turn_left")
    check = verify(worker, challenge, [F, F, R, R, F, L, L])
    assert check.passed, (check.reason, check.scores)


def test_open_mouth_then_turn_left(worker, challenge_for):
    # Frontal with lips nearly closed; mouth wide open (obama2); frontal; turned left (obama3).
    challenge = challenge_for(worker, "open_mouth", "turn_left")
    assert verify(worker, challenge, [F, F, R, F, L]).passed


def test_mirrored_photo_shows_the_opposite_turn(worker, challenge_for):
    # obama2 mirrored: the same real photo, now turned to his left with the mouth open.
    challenge = challenge_for(worker, "turn_left")
    assert verify(worker, challenge, [F, F, P.TURNED_LEFT_MOUTH_OPEN, P.TURNED_LEFT_MOUTH_OPEN]).passed


def test_actions_out_of_order_are_refused(worker, challenge_for):
    # Asked left then right, but the frames turn right first, then left.
    challenge = challenge_for(worker, "turn_left", "turn_right")
    check = verify(worker, challenge, [F, F, R, R, F, L, L])
    assert not check.passed and check.reason == "action_order"


def test_missing_action_is_refused(worker, challenge_for):
    # Asked to turn right; the person only looks straight and turns left.
    challenge = challenge_for(worker, "turn_right")
    check = verify(worker, challenge, [F, F, L, L])
    assert (check.passed, check.reason, check.scores["missing_actions"]) == (False, "action_missing", ["turn_right"])


def test_reference_photo_held_still_is_refused(worker, challenge_for, photos):
    # The reference photo itself, held in front of the camera without moving: no action at all.
    challenge = challenge_for(worker, "open_mouth")
    check = verify(worker, challenge, [L] * 8)
    assert not check.passed and check.reason == "no_movement"


def test_a_different_person_in_one_frame_is_refused(worker, challenge_for):
    # Frontal, frontal, then Biden in the third frame, then the turn.
    challenge = challenge_for(worker, "turn_right")
    check = verify(worker, challenge, [F, F, P.OTHER_PERSON, R, R])
    assert (check.passed, check.reason, check.frame_index) == (False, "face_changed", 2)


def test_someone_else_doing_the_actions_does_not_match(app, photos, challenge_for):
    # A worker whose chip photo is Biden's; the live frames show Obama doing the action well.
    other = make_account("worker", name="李四")
    services.enroll_reference(other, photos["biden.jpg"], "chip_dg2")
    check = verify(other, challenge_for(other, "turn_right"), [F, F, R, R])
    assert (check.passed, check.reason) == (False, "no_match")
    assert check.scores["match_distance"] > 0.7


@pytest.mark.parametrize("bad, reason", [
    (b"", "empty_image"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "unsupported_format"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 50, "corrupt_image"),
    (b"\xff\xd8\xff" + b"\x00" * 1_600_000, "image_too_large"),
])
def test_bad_frames_are_named_and_nothing_is_kept(worker, challenge_for, face_config, bad, reason):
    face_config(FACE_KEEP_FRAMES=True)
    challenge = challenge_for(worker, "turn_right")
    frames = P.frames(F, F) + [bad] + P.frames(R)
    check = services.verify(worker, challenge.id, frames)
    assert (check.passed, check.reason, check.frame_index) == (False, reason, 2)


def test_frame_without_face_and_frame_with_two_faces(worker, challenge_for):
    empty = P.jpeg(Image.new("RGB", (640, 480), (90, 110, 130)))
    check = services.verify(worker, challenge_for(worker, "turn_right").id, P.frames(F) + [empty] + P.frames(R))
    assert (check.reason, check.frame_index) == ("no_face", 1)
    pair = Image.new("RGB", (1280, 480))
    pair.paste(P.camera_frame(*F), (0, 0))
    pair.paste(P.camera_frame(*P.OTHER_PERSON), (640, 0))
    check = services.verify(worker, challenge_for(worker, "turn_right").id,
                            P.frames(F) + [P.jpeg(pair.resize((640, 240)))] + P.frames(R))
    assert (check.reason, check.frame_index) == ("multiple_faces", 1)


def test_frame_count_limits(worker, challenge_for):
    assert verify(worker, challenge_for(worker, "turn_right"), [F, R]).reason == "too_few_frames"
    assert verify(worker, challenge_for(worker, "turn_right"), [F] * 81).reason == "too_many_frames"


def test_replayed_challenge_is_refused(worker, challenge_for):
    challenge = challenge_for(worker, "turn_right")
    assert verify(worker, challenge, [F, F, R, R]).passed
    replay = verify(worker, challenge, [F, F, R, R])
    assert (replay.passed, replay.reason) == (False, "challenge_used")


def test_expired_challenge_is_refused(worker, challenge_for, move_clock):
    challenge = challenge_for(worker, "turn_right")
    assert challenge.expires_at - challenge.created_at == dt.timedelta(minutes=2)
    move_clock(dt.timedelta(seconds=121))
    check = verify(worker, challenge, [F, F, R, R])
    assert (check.passed, check.reason) == (False, "challenge_expired")


def test_someone_elses_challenge_is_not_found(worker, challenge_for):
    challenge = challenge_for(worker, "turn_right")
    with pytest.raises(NotFound):
        services.verify(make_account("worker", name="王五"), challenge.id, P.frames(F, F, R))
    with pytest.raises(NotFound):
        services.verify(worker, "no-such-challenge", P.frames(F, F, R))


def test_repeated_failures_are_rate_limited(worker, challenge_for, move_clock):
    for _ in range(5):
        assert verify(worker, challenge_for(worker, "turn_left"), [F, F, R]).reason == "action_missing"
    with pytest.raises(RateLimited) as limited:
        challenge_for(worker, "turn_right")
    assert 0 < limited.value.retry_after <= 1801
    move_clock(dt.timedelta(seconds=1801))
    assert verify(worker, challenge_for(worker, "turn_right"), [F, F, R, R]).passed


def test_operator_setting_keeps_frames_encrypted(worker, challenge_for, face_config):
    face_config(FACE_KEEP_FRAMES=True)
    frames = P.frames(F, F, R, R)
    check = verify(worker, challenge_for(worker, "turn_right"), frames=frames)
    assert services.unpack_frames(check.frames) == frames
    raw = db.session.execute(sa.text("SELECT frames FROM face_check WHERE id = :id"), {"id": check.id}).scalar()
    assert frames[0][:64] not in bytes(raw)


def test_a_passed_check_is_claimed_once_for_its_purpose(worker, challenge_for, move_clock):
    check = verify(worker, challenge_for(worker, "turn_right", purpose="consent"), [F, F, R, R])
    assert services.latest_passed_check(worker, "consent").id == check.id
    assert services.latest_passed_check(worker, "check_in") is None
    with pytest.raises(DomainError) as wrong:
        services.claim_check(worker, check.id, "check_in")
    assert wrong.value.code == "face_check_purpose"
    assert services.claim_check(worker, check.id, "consent").claimed_at is not None
    with pytest.raises(Conflict):
        services.claim_check(worker, check.id, "consent")
    assert services.latest_passed_check(worker, "consent") is None


def test_a_stale_or_failed_check_cannot_be_claimed(worker, challenge_for, move_clock):
    failed = verify(worker, challenge_for(worker, "turn_left"), [F, F, R])
    with pytest.raises(DomainError) as refused:
        services.claim_check(worker, failed.id, "check_in")
    assert refused.value.code == "face_check_failed"
    passed = verify(worker, challenge_for(worker, "turn_right"), [F, F, R, R])
    move_clock(dt.timedelta(minutes=11))
    with pytest.raises(DomainError) as stale:
        services.claim_check(worker, passed.id, "check_in")
    assert stale.value.code == "face_check_stale"


def test_reference_photo_moved_around_by_hand_is_refused(worker, challenge_for):
    # The reference photo held up and moved, tilted and brought closer: the face
    # shifts in the frame but never turns, so the requested turn is missing.
    base = P.camera_frame(*L)
    moves = [(0, 0, 1.0, 0), (8, 3, 1.03, 1), (-6, 5, 0.97, -1), (4, -6, 1.05, 2), (-3, 2, 1.0, -2)]
    frames = []
    for dx, dy, scale, angle in moves:
        moved = base.rotate(angle, resample=Image.Resampling.BILINEAR)
        moved = moved.resize((int(640 * scale), int(480 * scale))).crop((dx + 20, dy + 20, dx + 660, dy + 500))
        frames.append(P.jpeg(moved))
    check = services.verify(worker, challenge_for(worker, "turn_right").id, frames)
    assert not check.passed and check.reason in {"no_movement", "action_missing"}
    assert check.scores["motion"] < 0.1


def test_the_odd_frame_out_is_named_even_when_it_comes_first(worker, challenge_for):
    # Biden in the first frame, then Obama looking straight and turning right.
    check = verify(worker, challenge_for(worker, "turn_right"), [P.OTHER_PERSON, F, F, R, R])
    assert (check.reason, check.frame_index) == ("face_changed", 0)
