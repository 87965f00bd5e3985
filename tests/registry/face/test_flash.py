"""Reflected light: the skin must take on the flashed colours at the flashed times.

Unit tests on colour series computed from the light model; slow tests run
the whole camera check (dlib) on synthesized genuine captures and attacks.
"""
from __future__ import annotations

import random

import numpy as np
import pytest

from registry.face import flash
from registry.face.challenge_plan import draw_plan
from registry.face.settings import DEFAULTS
from tests.factories import face_attacks as A
from tests.factories import face_capture as FC
from tests.factories import face_edits as E
from tests.factories import photos as P
from tests.registry.face.capture_support import run_check

LIMITS = flash.LightLimits(min_correlation=DEFAULTS["FACE_LIGHT_MIN_CORRELATION"],
                           min_gain=DEFAULTS["FACE_LIGHT_MIN_GAIN"], max_lag_ms=300, lag_step_ms=25)
SKIN = np.array([200.0, 150.0, 120.0])


def lit_skin(plan, times, lag_ms: float, k: float, seed: int = 0) -> np.ndarray:
    """Skin colours under the model the synthesizer uses, with a little noise."""
    screen = flash.screen_colours(plan, np.asarray(times) - lag_ms)
    noise = np.random.default_rng(seed).normal(0, 0.8, (len(times), 3))
    return SKIN * (1 - k + k * screen / 255) + noise


def plan_and_times(seed: int, actions=("turn_right", "open_mouth")):
    plan = draw_plan(actions, "flash", random.Random(seed))
    return plan, [20.0 + 100 * i for i in range(int(plan.total_ms // 100))]


def test_skin_that_follows_the_colours_passes_at_its_lag():
    plan, times = plan_and_times(1)
    result = flash.check_light(lit_skin(plan, times, 150, 0.25), times, plan, LIMITS)
    assert result.passed and result.correlation > 0.95 and abs(result.lag_ms - 150) <= 50
    assert set(result.by_lag) == {str(lag) for lag in range(0, 301, 25)}


def test_colours_of_another_plan_do_not_match():
    plan, times = plan_and_times(1)
    for seed in range(2, 12):
        other, _ = plan_and_times(seed)
        assert not flash.check_light(lit_skin(other, times, 100, 0.25), times, plan, LIMITS).passed, seed


def test_unchanging_or_barely_lit_skin_fails():
    plan, times = plan_and_times(3)
    still = np.tile(SKIN, (len(times), 1)) + np.random.default_rng(0).normal(0, 0.8, (len(times), 3))
    assert not flash.check_light(still, times, plan, LIMITS).passed
    faint = flash.check_light(lit_skin(plan, times, 100, 0.01), times, plan, LIMITS)
    assert not faint.passed and faint.gain < LIMITS.min_gain


@pytest.mark.slow
@pytest.mark.parametrize("pose", [P.FRONTAL, P.TURNED_RIGHT, P.TURNED_LEFT])
def test_skin_patches_sit_on_skin(photos, pose):
    # On his real photos, straight and turned: every patch is inside the jaw line and skin-coloured.
    face = E.framed(*pose)
    points = face.landmarks
    for x, y, half in flash.skin_patches(points):
        assert points[:17, 0].min() < x < points[:17, 0].max() and points[19, 1] - half < y < points[8, 1]
        patch = face.pixels[int(y - half):int(y + half) + 1, int(x - half):int(x + half) + 1].reshape(-1, 3).mean(0)
        assert patch[0] > patch[1] > patch[2], patch  # skin: red over green over blue


# --- whole checks (dlib) ---------------------------------------------------------------------------

@pytest.mark.slow
def test_a_genuine_flash_capture_reflects_the_colours(app, photos):
    plan = draw_plan(("open_mouth",), "flash", random.Random(31))
    frames, times = FC.genuine_capture(plan, seed=31)
    decision = run_check(plan, frames, times)
    assert decision.passed, decision.reason
    light = decision.scores["light"]
    assert light["correlation"] >= decision.thresholds["light_min_correlation"]
    assert 0 <= light["lag_ms"] <= 300 and len(light["skin_r"]) == len(frames)


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["still (screen)", "jitter (screen)", "edits, cut in (screen)",
                                    "edits, morphed (screen)", "light-free replay"])
def test_pictures_on_another_screen_do_not_reflect_the_colours(app, photos, attack):
    plan = draw_plan(("turn_left", "blink"), "flash", random.Random(32))
    frames, times = A.ATTACKS[attack](plan, np.random.default_rng(32), 32)
    decision = run_check(plan, frames, times)
    assert not decision.passed
    assert decision.reason in {"light_mismatch", "capture_cut"}, decision.reason
    assert attack != "light-free replay" or decision.reason == "light_mismatch"


@pytest.mark.slow
def test_a_recorded_capture_replayed_for_a_new_challenge_is_refused(app, photos):
    # A genuine capture made for an earlier challenge with the same actions: its light follows the old colours.
    plan = draw_plan(("turn_right", "turn_left"), "flash", random.Random(34))
    (frames, times), old = A.replay_new_plan(plan, np.random.default_rng(33), 33)
    assert old.flash != plan.flash
    assert run_check(old, frames, times).passed  # it was genuine for its own plan
    decision = run_check(plan, frames, times)
    assert (decision.passed, decision.reason) == (False, "light_mismatch")
    assert decision.scores["light"]["correlation"] < decision.thresholds["light_min_correlation"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["flash", "steady"])
def test_a_print_reflects_the_light_but_does_not_move(app, photos, kind):
    # His photo on paper, in front of the flashing screen: lit like skin, but held still it does nothing.
    plan = draw_plan(("open_mouth", "turn_left"), kind, random.Random(35))
    frames, times = A.still(plan, np.random.default_rng(35), "print")
    decision = run_check(plan, frames, times)
    assert not decision.passed and decision.reason in {"no_movement", "action_missing"}, decision.reason
    if kind == "flash":
        assert decision.scores["light"]["correlation"] >= decision.thresholds["light_min_correlation"]
