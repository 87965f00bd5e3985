"""One continuous capture: frame timing and frame-to-frame continuity.

The unit tests use synthetic numbers; the slow ones run the whole camera
check (dlib) on synthesized genuine captures and on attacks built from the
same real photos (tests/factories/face_capture.py, face_attacks.py).
"""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

from registry.face import continuity as C
from registry.face.challenge_plan import draw_plan
from tests.factories import face_attacks as A
from tests.factories import face_capture as FC
from tests.factories import face_edits as E
from tests.registry.face.capture_support import run_check

LIMITS = C.TimingLimits(interval_ms=100, max_start_ms=250, max_gap_intervals=2.5, span_tolerance_ms=250)
STEPS = C.ContinuityLimits(max_appearance_jump=0.5, min_appearance_step=0.05, min_shape_step=0.08,
                           max_appearance_isolation=3.0, max_shape_isolation=6.0)


def steady_times(count: int, start: float = 20.0) -> list[float]:
    return [start + 100.0 * i for i in range(count)]


def test_timing_of_a_steady_capture_passes():
    result = C.check_timing(steady_times(30), 30, 2900, LIMITS)
    assert result.passed and result.scores["max_gap_ms"] == 100


@pytest.mark.parametrize("times, frames, why", [
    (steady_times(30), 29, "one time per frame"),
    (steady_times(30, start=400), 30, "starts late"),
    (steady_times(29)[:10] + [steady_times(29)[9]] + steady_times(30)[11:], 30, "not strictly increasing"),
    (steady_times(10) + [t + 300 for t in steady_times(30)[10:]], 30, "a hole of 4 intervals"),
    (steady_times(25), 25, "stops 500 ms before the plan's end"),
    (steady_times(29) + [float("nan")], 30, "not a number"),
])
def test_timing_refusals(times, frames, why):
    assert not C.check_timing(times, frames, 2900, LIMITS).passed, why


def _shapes(offsets: list[float]) -> list[np.ndarray]:
    """Landmarks whose nose (and with it the rigid shape) moves sideways by the given amounts."""
    base = np.random.default_rng(1).normal(size=(68, 2)) * 20 + 100
    shapes = []
    for offset in offsets:
        points = base.copy()
        points[27:36, 0] += offset
        shapes.append(points)
    return shapes


def _patches(count: int) -> list[np.ndarray]:
    patch = C.face_patch(np.random.default_rng(2).integers(0, 255, (150, 150, 3)).astype(np.uint8))
    return [patch] * count


def test_a_movement_over_several_frames_is_continuous_and_a_jump_is_a_cut():
    times = steady_times(12)
    smooth = [0, 0, 0, 0, 2, 6, 10, 12, 12, 12, 12, 12]
    assert C.check_continuity(_patches(12), _shapes(smooth), times, 100, STEPS).passed
    jump = [0, 0, 0, 0, 0, 0, 12, 12, 12, 12, 12, 12]
    result = C.check_continuity(_patches(12), _shapes(jump), times, 100, STEPS)
    assert (result.passed, result.frame_index) == (False, 6)
    assert result.shape_isolation[5] > STEPS.max_shape_isolation


def test_the_face_patch_ignores_the_screens_colour():
    chip = np.random.default_rng(3).integers(30, 220, (150, 150, 3)).astype(np.float64)
    tinted = chip * (0.7 + 0.3 * np.array([40, 90, 255]) / 255)
    jump = C.appearance_jump(C.face_patch(chip.astype(np.uint8)), C.face_patch(tinted.astype(np.uint8)))
    assert jump < 0.001
    other = np.random.default_rng(4).integers(30, 220, (150, 150, 3)).astype(np.uint8)
    assert C.appearance_jump(C.face_patch(chip.astype(np.uint8)), C.face_patch(other)) > 0.9


# --- whole checks (dlib) ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("actions, kind, seed", [(("turn_right", "blink"), "flash", 11),
                                                 (("open_mouth", "turn_left", "blink"), "steady", 12)])
def test_a_genuine_capture_passes(app, photos, actions, kind, seed):
    plan = draw_plan(actions, kind, random.Random(seed))
    frames, times = FC.genuine_capture(plan, seed=seed)
    decision = run_check(plan, frames, times)
    assert decision.passed, (decision.reason, decision.scores.get("appearance_isolation"))
    assert decision.scores["timing"]["first_ms"] < 50 and decision.scores["frames_detected"] < len(frames)
    assert decision.scores["match_distance"] <= decision.thresholds["match_threshold"]
    assert set(decision.scores["action_frames"]) == set(actions)
    json.dumps([decision.scores, decision.thresholds])  # stored as JSON with the decision


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["flash", "steady"])
def test_a_slideshow_of_his_real_photos_is_a_cut(app, photos, kind):
    # His real photos shown one after the other as the prompts come, printed (so they even reflect the light).
    plan = draw_plan(("turn_left", "turn_right"), kind, random.Random(21))
    frames, times = A.slideshow(plan, np.random.default_rng(21), "print")
    decision = run_check(plan, frames, times)
    assert (decision.passed, decision.reason) == (False, "capture_cut")
    assert decision.frame_index is not None and decision.scores["appearance_jump_max"] > 0.3


@pytest.mark.slow
def test_edited_copies_of_one_photo_cut_in_are_refused(app, photos):
    # One printed photo and printed edits of it (a sideways warp for each turn), swapped in at the prompts.
    plan = draw_plan(("turn_right", "turn_left"), "steady", random.Random(22))
    frames, times = A.edits(plan, np.random.default_rng(22), "print")
    decision = run_check(plan, frames, times)
    assert (decision.passed, decision.reason) == (False, "capture_cut")


@pytest.mark.slow
def test_a_swapped_in_frame_of_someone_else_is_a_cut(app, photos):
    plan = draw_plan(("turn_right",), "flash", random.Random(23))
    frames, times = FC.genuine_capture(plan, seed=23)
    frames[9] = E.jpeg(E.framed("biden.jpg", False, same_camera=False).pixels, 85)
    decision = run_check(plan, frames, times)
    assert (decision.passed, decision.reason, decision.frame_index) == (False, "capture_cut", 9)


@pytest.mark.slow
@pytest.mark.parametrize("change", ["truncated", "gap", "late start"])
def test_wrong_timing_is_an_incomplete_capture(app, photos, change):
    plan = draw_plan(("blink",), "flash", random.Random(24))
    frames, times = FC.genuine_capture(plan, seed=24)
    if change == "truncated":  # the page was left before the end
        frames, times = frames[:-6], times[:-6]
    elif change == "gap":  # frames dropped in the middle
        frames, times = frames[:8] + frames[12:], times[:8] + times[12:]
    else:
        times = [t + 400 for t in times]
    decision = run_check(plan, frames, times)
    assert (decision.passed, decision.reason) == (False, "capture_incomplete")
    assert "first_ms" in decision.scores["timing"] or change == "truncated"
