"""Is this one continuous capture? Frame timing and frame-to-frame continuity of the face.

A camera challenge is filmed at a steady pace (the page takes a frame every
plan.frame_interval_ms from the moment it starts the colours). A capture that
stops early, has holes or times that do not fit its frames was not taken as
planned (`capture_incomplete`).

Between two frames 100 ms apart a real face moves a little; a slideshow of
photos, a swapped-in frame or an edit that jumps changes it at once
(`capture_cut`). Two measures, both blind to the screen's colour:

* appearance jump: the aligned face chip (dlib's 150 px chip, landmarks
  aligned, so head motion is removed) averaged down to 30 x 30, each colour
  channel normalized to zero mean and unit variance inside an ellipse on the
  face (a change of light is a per-channel gain, which this removes), then
  1 - the mean per-channel correlation with the previous frame. For
  differences d it grows like d², so one big step scores far more than the
  same change spread over the few frames a head movement takes.
* rigid-shape jump: the landmarks that move with the skull, not with the eyes
  or the mouth (jaw near the ears, nose, eye corners), compared after
  removing translation, scale and rotation (Procrustes). A head turn changes
  them; a blink or an opening mouth, which can be fast, does not.

A real movement spreads over several frames; a cut is one big step between
still neighbours (see check_continuity). So an edit that jumps is caught,
and an edit morphed in over a few frames is not: that is a prepared clip,
which the reflected light (registry.face.flash) has to stop.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PATCH = 30
# Skull-fixed landmarks (iBUG 68): jaw near the ears, nose bridge and base, eye corners.
RIGID = np.array([0, 1, 2, 14, 15, 16, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45])


@dataclass(frozen=True)
class TimingLimits:
    interval_ms: float
    max_start_ms: float  # the first frame at most this late
    max_gap_intervals: float  # no hole longer than this many intervals
    span_tolerance_ms: float  # the last frame no earlier than total_ms minus this


@dataclass
class TimingResult:
    passed: bool
    scores: dict[str, float]


def check_timing(times_ms: tuple[float, ...] | list[float], frame_count: int, total_ms: float,
                 limits: TimingLimits) -> TimingResult:
    """Frame times that match the frames, start near 0, rise strictly, leave no hole and cover the plan."""
    times = np.asarray(times_ms, dtype=float)
    scores: dict[str, float] = {"frame_times": float(len(times)), "frames": float(frame_count)}
    if len(times) != frame_count or len(times) < 2 or not np.all(np.isfinite(times)):
        return TimingResult(False, scores)
    gaps = np.diff(times)
    scores.update({"first_ms": round(float(times[0]), 1), "last_ms": round(float(times[-1]), 1),
                   "min_gap_ms": round(float(gaps.min()), 1), "max_gap_ms": round(float(gaps.max()), 1),
                   "plan_total_ms": float(total_ms)})
    passed = (0 <= times[0] <= limits.max_start_ms and bool(np.all(gaps > 0))
              and gaps.max() <= limits.max_gap_intervals * limits.interval_ms
              and times[-1] >= total_ms - limits.span_tolerance_ms)
    return TimingResult(bool(passed), scores)


_ys, _xs = np.mgrid[0:PATCH, 0:PATCH]
# The face inside dlib's chip (padding 0.25): an ellipse on the middle, clear of hair and background.
ELLIPSE = ((_xs - (PATCH - 1) / 2) / (0.36 * PATCH)) ** 2 + ((_ys - (PATCH - 1) * 0.52) / (0.42 * PATCH)) ** 2 <= 1


def face_patch(chip: np.ndarray) -> np.ndarray:
    """The aligned chip reduced to the per-channel normalized values inside the face ellipse (n x 3)."""
    size = chip.shape[0] - chip.shape[0] % PATCH
    block = size // PATCH
    small = chip[:size, :size].astype(np.float32).reshape(PATCH, block, PATCH, block, 3).mean(axis=(1, 3))
    values = small[ELLIPSE]
    values = values - values.mean(axis=0)
    return values / np.maximum(values.std(axis=0), 1e-3)


def appearance_jump(a: np.ndarray, b: np.ndarray) -> float:
    """1 - mean per-channel correlation of two face patches (0 = the same picture, up to light)."""
    return float(1.0 - (a * b).mean(axis=0).mean())


def _normalized(points: np.ndarray) -> np.ndarray:
    centred = points - points.mean(axis=0)
    return centred / max(float(np.sqrt((centred ** 2).sum(axis=1).mean())), 1e-6)


def shape_jump(a: np.ndarray, b: np.ndarray) -> float:
    """RMS distance of the skull-fixed landmarks after the best similarity fit (unit-size shapes)."""
    sa, sb = _normalized(a[RIGID]), _normalized(b[RIGID])
    u, _, vt = np.linalg.svd(sa.T @ sb)
    rotation = u @ vt
    if np.linalg.det(rotation) < 0:
        u[:, -1] *= -1
        rotation = u @ vt
    return float(np.sqrt((((sa @ rotation) - sb) ** 2).sum(axis=1).mean()))


@dataclass(frozen=True)
class ContinuityLimits:
    max_appearance_jump: float  # a change this big in one step is a cut, whatever its neighbours
    min_appearance_step: float  # an isolated step (see max_isolation) counts from this size
    min_shape_step: float
    # How many times bigger than both neighbouring steps one step may be (appearance, rigid shape).
    max_appearance_isolation: float
    max_shape_isolation: float


@dataclass
class ContinuityResult:
    passed: bool
    frame_index: int | None  # the first frame after a cut
    appearance: list[float] = field(default_factory=list)  # per consecutive pair (len n - 1)
    shape: list[float] = field(default_factory=list)
    appearance_isolation: list[float] = field(default_factory=list)
    shape_isolation: list[float] = field(default_factory=list)


def _rates(values: np.ndarray, gaps: np.ndarray, interval_ms: float) -> np.ndarray:
    return values * interval_ms / np.maximum(gaps, 1e-6)


def _isolation(rates: np.ndarray, floor: float) -> np.ndarray:
    """Each step over the larger of its two neighbours (the floor keeps noise-level neighbours from
    dividing by almost nothing)."""
    padded = np.concatenate([[0.0], rates, [0.0]])
    neighbours = np.maximum(np.maximum(padded[:-2], padded[2:]), floor)
    return rates / neighbours


def check_continuity(patches: list[np.ndarray], landmarks: list[np.ndarray], times_ms: list[float] | tuple,
                     interval_ms: float, limits: ContinuityLimits) -> ContinuityResult:
    """Jumps between consecutive frames; the first that is a cut names the frame after it.

    A head that turns from one side to the other in 300 ms changes a lot per
    frame, but over several frames in a row; a cut puts the whole change into
    one step with stillness on both sides. So a step is a cut when it is
    beyond max_appearance_jump, or when it is at least the minimum size and
    more than max_*_isolation times bigger than both neighbouring steps. Steps are
    compared as rates per frame interval (a late frame moves more), the
    appearance jump as its square root (it grows like the square of a change).
    """
    appearance = np.array([appearance_jump(a, b) for a, b in zip(patches, patches[1:])])
    shape = np.array([shape_jump(a, b) for a, b in zip(landmarks, landmarks[1:])])
    gaps = np.diff(np.asarray(times_ms, dtype=float))
    look = _rates(np.sqrt(np.maximum(appearance, 0.0)), gaps, interval_ms)
    form = _rates(shape, gaps, interval_ms)
    look_isolation = _isolation(look, float(np.sqrt(limits.min_appearance_step)) / limits.max_appearance_isolation)
    form_isolation = _isolation(form, limits.min_shape_step / limits.max_shape_isolation)
    # The first and the last step have only one neighbour: a movement that starts as the capture ends
    # looks isolated. They are held to the absolute limit only (and no action may be seen in the last
    # frame, see liveness.check_windowed_actions, so a cut there shows nothing).
    inner = np.zeros(len(appearance), dtype=bool)
    inner[1:-1] = True
    cuts = ((appearance > limits.max_appearance_jump)
            | (inner & (appearance >= limits.min_appearance_step) & (look_isolation > limits.max_appearance_isolation))
            | (inner & (shape >= limits.min_shape_step) & (form_isolation > limits.max_shape_isolation)))
    first = int(np.argmax(cuts)) + 1 if cuts.any() else None
    return ContinuityResult(first is None, first, appearance.tolist(), shape.tolist(), look_isolation.tolist(),
                            form_isolation.tolist())
