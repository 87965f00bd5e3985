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


def draw_actions(count: int, pool: tuple[str, ...], rng) -> tuple[str, ...]:
    """count different actions from pool in random order; a blink is never the only one.

    At 10 frames a second a blink is over in one or two frames, so two
    registered prints of the person (eyes open, eyes shut) swapped in front of
    the screen look like one, and prints reflect the flashed light as a face
    does. Next to an action that needs the whole face to move, a blink adds
    a check; alone it is the one a pair of prints passes.
    """
    if count <= 1:
        pool = tuple(action for action in pool if action != BLINK)
    return tuple(rng.sample(pool, min(count, len(pool))))


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
    # action -> the middle frame of the run of active frames that starts there (the pose held, not the
    # frame caught mid-movement); only for camera captures
    held_frames: dict[str, int] = field(default_factory=dict)


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


def _find_between(action: str, frames: list[FrameMetrics], low: int, high: int, t: LivenessThresholds,
                  eyes_shut_max: float) -> int | None:
    """First frame in [low, high) where the action is active after a resting frame in the same range."""
    rested = False
    for index in range(low, high):
        active = _active(action, frames[index], t)
        if action == BLINK:
            active = active and frames[index].eye_ratio <= eyes_shut_max
        if rested and active:
            return index
        if _resting(action, frames[index], t):
            rested = True
    return None


def check_windowed_actions(frames: list[FrameMetrics], times_ms: list[float] | tuple[float, ...],
                           windows: list[tuple[str, float, float]], t: LivenessThresholds,
                           slack_ms: float, blink_share: float = 1.0) -> LivenessResult:
    """Whether each action happened in its own time window of a continuous capture, in order.

    A window is widened by slack_ms on both sides: people react a few hundred
    milliseconds after the prompt and the camera delivers frames late. The
    resting frame must be inside the widened window too, each action's frame
    comes at or after the previous one's, and it is never the capture's last
    frame (the step into it must be one continuity can judge). A capture has
    dozens of frames of the person's open eyes, so a blink must also bring
    the eye ratio to blink_share of its median over the capture (small eyes
    in a 360 px frame flicker around the fixed threshold). Reasons:
    action_missing (never seen, anywhere), action_order (seen, but outside
    its window or out of order), no_movement (the face never changed shape).
    """
    moved = motion(frames)
    times = np.asarray(times_ms, dtype=float)
    shut = blink_share * float(np.median([f.eye_ratio for f in frames])) if frames else 0.0
    seen: dict[str, int] = {}
    position = 0
    failed = False
    for action, start, end in windows:
        low = max(position, int(np.searchsorted(times, start - slack_ms, side="left")))
        high = min(len(frames) - 1, int(np.searchsorted(times, end + slack_ms, side="right")))
        found = _find_between(action, frames, low, high, t, shut)
        if found is None:
            failed = True
            break
        seen[action] = found
        position = found
    held = {}
    for action, index in seen.items():
        end = index
        while end + 1 < len(frames) and _active(action, frames[end + 1], t) and (
                action != BLINK or frames[end + 1].eye_ratio <= shut):
            end += 1
        held[action] = (index + end) // 2
    if moved < t.min_motion:
        return LivenessResult(False, "no_movement", moved, seen if not failed else {}, [], held)
    if not failed:
        return LivenessResult(True, None, moved, seen, [], held)
    missing = [action for action, _, _ in windows
               if _find_between(action, frames, 0, len(frames), t, shut) is None]
    return LivenessResult(False, "action_missing" if missing else "action_order", moved, seen, missing, held)
