"""Action liveness (活体检测) from 68-point landmarks, as plain functions.

Each frame is reduced to three numbers: the eye aspect ratio (Soukupová and
Čech, 2016: eyelid gap over eye width, falls when the eyes close), the mouth
aspect ratio (the same measure on the inner lips) and a yaw ratio (how far
the nose tip sits from the middle of the jaw line). An action counts when a
frame in its resting state is followed by a frame in its active state, and
the challenge's actions must appear in the challenge's order.

Image convention: frames are the camera's view, not a mirror. When the person
turns their head to *their* left, the nose moves towards the image's right
edge, which makes the yaw ratio positive.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BLINK = "blink"
OPEN_MOUTH = "open_mouth"
TURN_LEFT = "turn_left"
TURN_RIGHT = "turn_right"
ACTIONS = (BLINK, OPEN_MOUTH, TURN_LEFT, TURN_RIGHT)
# What one still photo can show. A blink lasts 100-400 ms: nobody can photograph their own,
# and a photo taken with the eyes shut cannot be framed. Challenges answered by uploaded
# photos (no camera in the browser) are drawn from these; each is checked exactly as in a burst.
STILL_ACTIONS = (OPEN_MOUTH, TURN_LEFT, TURN_RIGHT)


@dataclass(frozen=True)
class FrameMetrics:
    """What liveness needs from one frame."""

    eye_ratio: float
    mouth_ratio: float
    yaw: float
    shape: np.ndarray = field(repr=False, compare=False)  # landmarks, translation/scale removed


@dataclass(frozen=True)
class LivenessThresholds:
    eye_open_min: float
    eye_closed_max: float
    mouth_closed_max: float
    mouth_open_min: float
    yaw_frontal_max: float
    yaw_turned_min: float
    min_motion: float


@dataclass
class LivenessResult:
    passed: bool
    reason: str | None
    motion: float
    # action -> index of the frame where it was seen (the in-order match)
    action_frames: dict[str, int]
    missing: list[str]


def _eye_ratio(eye: np.ndarray) -> float:
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    return float(vertical / (2.0 * max(np.linalg.norm(eye[0] - eye[3]), 1e-6)))


def frame_metrics(landmarks: np.ndarray) -> FrameMetrics:
    """Reduce 68 (x, y) landmarks (iBUG numbering) to liveness measures."""
    points = np.asarray(landmarks, dtype=float)
    eyes = (_eye_ratio(points[36:42]) + _eye_ratio(points[42:48])) / 2.0
    inner = points[60:68]
    mouth = (np.linalg.norm(inner[1] - inner[7]) + np.linalg.norm(inner[2] - inner[6])
             + np.linalg.norm(inner[3] - inner[5])) / (2.0 * max(np.linalg.norm(inner[0] - inner[4]), 1e-6))
    nose, jaw_left, jaw_right = points[30], points[0], points[16]
    to_left, to_right = np.linalg.norm(nose - jaw_left), np.linalg.norm(jaw_right - nose)
    yaw = (to_left - to_right) / max(to_left + to_right, 1e-6)
    centred = points - points.mean(axis=0)
    scale = np.sqrt((centred ** 2).sum(axis=1).mean())
    return FrameMetrics(float(eyes), float(mouth), float(yaw), centred / max(scale, 1e-6))


def _resting(action: str, m: FrameMetrics, t: LivenessThresholds) -> bool:
    if action == BLINK:
        return m.eye_ratio >= t.eye_open_min
    if action == OPEN_MOUTH:
        return m.mouth_ratio <= t.mouth_closed_max
    if action == TURN_LEFT:
        return m.yaw <= t.yaw_frontal_max
    return m.yaw >= -t.yaw_frontal_max


def _active(action: str, m: FrameMetrics, t: LivenessThresholds) -> bool:
    if action == BLINK:
        return m.eye_ratio <= t.eye_closed_max
    if action == OPEN_MOUTH:
        return m.mouth_ratio >= t.mouth_open_min
    if action == TURN_LEFT:
        return m.yaw >= t.yaw_turned_min
    return m.yaw <= -t.yaw_turned_min


def _find(action: str, frames: list[FrameMetrics], start: int, t: LivenessThresholds) -> int | None:
    """First frame from start where the action is active after a resting frame."""
    rested = False
    for index in range(start, len(frames)):
        if rested and _active(action, frames[index], t):
            return index
        if _resting(action, frames[index], t):
            rested = True
    return None


def _aligned_difference(shape: np.ndarray, target: np.ndarray) -> float:
    """RMS landmark distance after the best rotation of shape onto target (Procrustes).

    Translation and scale are already removed; removing rotation too means a
    photo that is merely moved, tilted or brought closer scores almost zero.
    """
    u, _, vt = np.linalg.svd(shape.T @ target)
    rotation = u @ vt
    if np.linalg.det(rotation) < 0:  # a reflection is not a pose change
        u[:, -1] *= -1
        rotation = u @ vt
    return float(np.sqrt((((shape @ rotation) - target) ** 2).sum(axis=1).mean()))


def motion(frames: list[FrameMetrics]) -> float:
    """Largest change of face shape from the first frame (about 0 for a still photo)."""
    if len(frames) < 2:
        return 0.0
    first = frames[0].shape
    return max(_aligned_difference(f.shape, first) for f in frames[1:])


def check_actions(frames: list[FrameMetrics], actions: tuple[str, ...] | list[str],
                  t: LivenessThresholds) -> LivenessResult:
    """Whether the frames show the actions in order.

    Reasons: no_movement (the face never changed: a photo held still),
    action_missing (an action never happened), action_order (all happened,
    but not in the order asked).
    """
    moved = motion(frames)
    seen: dict[str, int] = {}
    position = 0
    in_order = True
    for action in actions:
        found = _find(action, frames, position, t)
        if found is None:
            in_order = False
            break
        seen[action] = found
        # The frame that finished one action may be the resting frame of the next.
        position = found
    if in_order:
        if moved < t.min_motion:
            return LivenessResult(False, "no_movement", moved, seen, [])
        return LivenessResult(True, None, moved, seen, [])
    missing = [a for a in actions if _find(a, frames, 0, t) is None]
    if moved < t.min_motion:
        return LivenessResult(False, "no_movement", moved, {}, missing)
    if missing:
        return LivenessResult(False, "action_missing", moved, {}, missing)
    return LivenessResult(False, "action_order", moved, {}, [])
