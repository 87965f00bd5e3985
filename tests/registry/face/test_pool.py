"""Work done in the helper process equals the work done in the request's thread."""
from __future__ import annotations

import dlib
import numpy as np
import pytest

from registry.face import engine, pool
from tests.factories import photos as P
from tests.factories.face import LIMITS

# These tests run dlib face recognition (the real engine on real photos).
pytestmark = pytest.mark.slow


def chips():
    poses = [P.FRONTAL, P.TURNED_RIGHT, P.TURNED_LEFT, P.OTHER_PERSON, P.FRONTAL]
    return [engine.analyse(np.asarray(P.camera_frame(*pose)), LIMITS, describe=False).chip for pose in poses]


def test_chip_descriptor_is_dlibs_own(photos):
    frame = np.asarray(P.camera_frame(*P.FRONTAL))
    observation = engine.analyse(frame, LIMITS)
    predictor, encoder = engine.MODELS.get()[1:]
    left, top, right, bottom = observation.box
    direct = encoder.compute_face_descriptor(frame, predictor(frame, dlib.rectangle(left, top, right, bottom)), 0)
    assert engine.distance(observation.descriptor, np.array(direct)) < 1e-6


def test_helper_process_gives_the_same_descriptors_in_order(photos):
    faces = chips()
    local = pool.describe(faces, 0)
    spread = pool.describe(faces, 1)
    assert len(spread) == len(local) == 5
    assert all(engine.distance(a, b) < 1e-6 for a, b in zip(local, spread))


def test_a_broken_helper_falls_back_to_local(photos, monkeypatch):
    def broken(processes):
        raise OSError("cannot start a process")

    monkeypatch.setattr(pool, "_get_pool", broken)
    faces = chips()[:3]
    assert all(engine.distance(a, b) < 1e-6 for a, b in zip(pool.describe(faces, 1), pool.describe(faces, 0)))


def capture_frames(count: int = 24) -> list[np.ndarray]:
    poses = [P.FRONTAL, P.TURNED_RIGHT, P.TURNED_LEFT]
    return [np.asarray(P.camera_frame(*poses[i % 3])) for i in range(count)]


def test_a_capture_analysed_in_parts_finds_the_same_faces(photos):
    frames = capture_frames()
    local = engine.analyse_sequence(frames, LIMITS, 5)
    spread = pool.analyse_sequence(frames, LIMITS, 5, 1)
    assert len(spread) == len(local) == len(frames)
    # The helper's part starts with a detection where one pass tracked a box: its landmarks move a little
    # (within 5 % of the face's width), the first part's are the same.
    assert all((a.landmarks == b.landmarks).all() for a, b in zip(local[:12], spread[:12]))
    assert all(np.abs(a.landmarks - b.landmarks).max() < 0.05 * (a.box[2] - a.box[0]) for a, b in zip(local, spread))
    assert spread[12].score == spread[12].score and local[12].score != local[12].score  # detected vs tracked


def test_a_refusal_in_the_helpers_part_names_the_captures_frame(photos):
    frames = capture_frames()
    frames[17] = np.zeros_like(frames[17])  # no face in the second half
    with pytest.raises(engine.FaceRejected) as refused:
        pool.analyse_sequence(frames, LIMITS, 5, 1)
    assert refused.value.reason == "no_face" and refused.value.details["frame"] == 17
    frames[3] = np.zeros_like(frames[3])  # the earlier refusal wins, as in one pass
    with pytest.raises(engine.FaceRejected) as refused:
        pool.analyse_sequence(frames, LIMITS, 5, 1)
    assert refused.value.details["frame"] == 3


def test_a_broken_helper_analyses_the_capture_here(photos, monkeypatch):
    def broken(processes):
        raise OSError("cannot start a process")

    monkeypatch.setattr(pool, "_get_pool", broken)
    frames = capture_frames(12)
    assert len(pool.analyse_sequence(frames, LIMITS, 3, 1)) == 12
