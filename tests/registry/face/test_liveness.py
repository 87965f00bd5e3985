"""Action liveness on landmark measures: no photos needed.

No real photo with closed eyes is in the public test set, so blinking is
covered here, on synthetic landmarks and measures; the other actions are
also covered on real photos in test_checks.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.face import liveness
from registry.face.liveness import FrameMetrics, check_actions, frame_metrics

T = liveness.LivenessThresholds(eye_open_min=0.21, eye_closed_max=0.18, mouth_closed_max=0.35,
                                mouth_open_min=0.5, yaw_frontal_max=0.12, yaw_turned_min=0.25, min_motion=0.012)
RNG = np.random.default_rng(7)
BASE_SHAPE = RNG.normal(size=(68, 2))


def m(eye=0.3, mouth=0.1, yaw=0.0, wiggle=0.0) -> FrameMetrics:
    """A frame's measures; the shape moves with the measures like a real face would."""
    shape = BASE_SHAPE + np.array([yaw, mouth - 0.1 + (0.3 - eye)]) + wiggle
    return FrameMetrics(eye, mouth, yaw, shape)


FRONT = m()
BLINKED = m(eye=0.12)
MOUTH_OPEN = m(mouth=0.7)
LEFT = m(yaw=0.35)
RIGHT = m(yaw=-0.35)


def synthetic_landmarks(eye_gap: float, mouth_gap: float, nose_x: float) -> np.ndarray:
    """68 points where only eyes, inner lips, nose tip and jaw ends matter."""
    points = np.zeros((68, 2))
    points[0], points[16] = (0.0, 0.0), (10.0, 0.0)
    points[30] = (nose_x, 2.0)
    for start, x0 in ((36, 2.0), (42, 6.0)):
        # corners 3 apart; two upper and two lower lid points eye_gap apart
        points[start:start + 6] = [(x0, 0), (x0 + 1, -eye_gap / 2), (x0 + 2, -eye_gap / 2), (x0 + 3, 0),
                                   (x0 + 2, eye_gap / 2), (x0 + 1, eye_gap / 2)]
    points[60:68] = [(3, 6), (4, 6 - mouth_gap / 2), (5, 6 - mouth_gap / 2), (6, 6 - mouth_gap / 2), (7, 6),
                     (6, 6 + mouth_gap / 2), (5, 6 + mouth_gap / 2), (4, 6 + mouth_gap / 2)]
    return points


def test_frame_metrics_measures_eyes_mouth_and_yaw():
    metrics = frame_metrics(synthetic_landmarks(eye_gap=0.9, mouth_gap=2.0, nose_x=5.0))
    assert metrics.eye_ratio == pytest.approx(2 * 0.9 / 6)
    assert metrics.mouth_ratio == pytest.approx(3 * 2.0 / 8)
    assert metrics.yaw == pytest.approx(0.0, abs=1e-9)
    # Nose towards the image's right edge: the person turned to their left.
    assert frame_metrics(synthetic_landmarks(0.9, 0.1, 8.0)).yaw > 0.25
    assert frame_metrics(synthetic_landmarks(0.9, 0.1, 2.0)).yaw < -0.25


def test_blink_passes_when_the_eyes_close_after_being_open():
    result = check_actions([FRONT, FRONT, BLINKED, FRONT], ["blink"], T)
    assert result.passed and result.action_frames == {"blink": 2}


def test_blink_needs_open_eyes_first():
    # Eyes already shut from the first frame (a photo with closed eyes) is no blink.
    assert check_actions([BLINKED, m(eye=0.12, wiggle=0.1), BLINKED], ["blink"], T).reason == "action_missing"


@pytest.mark.parametrize("action, active", [("open_mouth", MOUTH_OPEN), ("turn_left", LEFT),
                                            ("turn_right", RIGHT), ("blink", BLINKED)])
def test_each_action_is_recognised(action, active):
    assert check_actions([FRONT, FRONT, active, active], [action], T).passed


def test_turn_directions_are_not_confused():
    assert check_actions([FRONT, RIGHT], ["turn_left"], T).reason == "action_missing"
    assert check_actions([FRONT, LEFT], ["turn_right"], T).reason == "action_missing"


def test_two_actions_must_come_in_order():
    frames = [FRONT, MOUTH_OPEN, FRONT, LEFT]
    assert check_actions(frames, ["open_mouth", "turn_left"], T).passed
    assert check_actions(frames, ["turn_left", "open_mouth"], T).reason == "action_order"


def test_a_still_photo_shows_no_movement():
    assert check_actions([FRONT] * 10, ["blink"], T).reason == "no_movement"
    # Even when its measures happen to look "active", a frozen shape is refused.
    frozen = [m(), FrameMetrics(0.12, 0.1, 0.0, FRONT.shape)]
    assert check_actions(frozen, ["blink"], T).reason == "no_movement"


def test_missing_second_action_is_named():
    result = check_actions([FRONT, MOUTH_OPEN, FRONT], ["open_mouth", "turn_right"], T)
    assert result.reason == "action_missing" and result.missing == ["turn_right"]


poses = st.sampled_from([FRONT, BLINKED, MOUTH_OPEN, LEFT, RIGHT])


@settings(max_examples=200, deadline=None)
@given(frames=st.lists(poses, min_size=0, max_size=15),
       actions=st.lists(st.sampled_from(liveness.ACTIONS), min_size=1, max_size=2, unique=True))
def test_never_raises_and_a_pass_lists_every_action_in_order(frames, actions):
    result = check_actions(frames, actions, T)
    if result.passed:
        indexes = [result.action_frames[a] for a in actions]
        assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    else:
        assert result.reason in {"no_movement", "action_missing", "action_order"}
