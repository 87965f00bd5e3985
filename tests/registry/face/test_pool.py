"""Descriptors computed in the helper process equal those computed in the request's thread."""
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
