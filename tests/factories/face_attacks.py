"""Presentation attacks on a camera challenge, built from the same real photos as the genuine captures.

Each attack gets the plan the server drew (the attacker sees the prompts
and the colours on the page, like anyone holding the phone) and returns
JPEG frames with capture times, as the page would upload them. How the
picture reaches the camera decides whether it reflects the flashed light:

* "print": a photo on paper in front of the screen reflects the screen's
  light like skin does (the whole sheet, background included: k 0.15-0.35).
* "screen": a picture shown on another screen emits its own light; the
  flashed colour hardly shows on it (k 0-0.05, a weak reflection).

Used by bench/face_spoof.py (the APCER table) and the tests.
"""
from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from registry.face.challenge_plan import CapturePlan, draw_plan
from tests.factories import face_capture as FC
from tests.factories import face_edits as E
from tests.factories import photos as P

Capture = tuple[list[bytes], list[float]]


def _medium(rng: np.random.Generator, medium: str) -> dict:
    if medium == "print":
        return {"light": rng.uniform(0.15, 0.35), "room_share": 1.0}
    return {"light": rng.uniform(0.0, 0.05), "room_share": 1.0}


def _render(plan: CapturePlan, keys: list[FC.Keyframe], rng: np.random.Generator, medium: str,
            motion: float = 1.0) -> Capture:
    times = FC.frame_times(plan.total_ms, rng, plan.frame_interval_ms)
    return FC.render(plan, keys, times, rng, motion=motion, **_medium(rng, medium)), times


def still(plan: CapturePlan, rng: np.random.Generator, medium: str = "print") -> Capture:
    """The victim's photo, the same picture in every frame (held very still: a stand or a mount)."""
    return _render(plan, [FC.Keyframe(0, E.framed(*P.FRONTAL))], rng, medium, motion=0.1)


def jitter(plan: CapturePlan, rng: np.random.Generator, medium: str = "print") -> Capture:
    """The victim's photo held by hand: it shifts, tilts and comes closer, but never changes."""
    return _render(plan, [FC.Keyframe(0, E.framed(*P.FRONTAL))], rng, medium, motion=2.5)


def _biden_faces() -> dict[str, E.Face]:
    look = E.framed("biden.jpg", False, same_camera=False)
    return {"look": look, "turn_left": E.sideways(look, 0.15), "turn_right": E.sideways(look, -0.15),
            "open_mouth": E.open_mouth_edit(look), "blink": E.closed_eyes("biden.jpg", False)}


def other_person(plan: CapturePlan, rng: np.random.Generator) -> Capture:
    """Someone else, live in front of the screen, following the prompts (biden.jpg and edits of it, lit)."""
    faces = _biden_faces()
    keys = FC.timeline(plan, faces, rng)
    times = FC.frame_times(plan.total_ms, rng, plan.frame_interval_ms)
    return FC.render(plan, keys, times, rng), times


def identity_change(plan: CapturePlan, rng: np.random.Generator, smooth: bool = False) -> Capture:
    """The victim for the first part of a lit, genuine-looking capture, then someone else (a cut or a morph)."""
    keys = FC.timeline(plan, FC.pose_faces(rng), rng)
    at = rng.uniform(0.35, 0.75) * plan.total_ms
    other = E.framed("biden.jpg", False, same_camera=False)
    before = [k for k in keys if k.t_ms < at]
    last = FC._face_at(keys, at)
    switch = [FC.Keyframe(at, last), FC.Keyframe(at + (400 if smooth else 1), other)]
    times = FC.frame_times(plan.total_ms, rng, plan.frame_interval_ms)
    return FC.render(plan, before + switch, times, rng), times


def _pose_keys(plan: CapturePlan, faces: dict[str, E.Face], rng: np.random.Generator, smooth: bool) -> list:
    """Each window's pose switched in at a random moment of it and back out before it ends (a cut each time),
    or morphed in and out over 300-500 ms when smooth."""
    keys = [FC.Keyframe(0, faces["look"])]
    for window in plan.windows:
        length = window.end_ms - window.start_ms
        on = window.start_ms + rng.uniform(0.15, 0.35) * length
        off = window.start_ms + rng.uniform(0.7, 0.9) * length
        ramp = rng.uniform(300, 500) if smooth else 1.0
        if window.action == "blink":
            off, ramp = on + rng.uniform(150, 300), (100.0 if smooth else 1.0)
        keys += [FC.Keyframe(on, faces["look"]), FC.Keyframe(on + ramp, faces[window.action]),
                 FC.Keyframe(off, faces[window.action]), FC.Keyframe(off + ramp, faces["look"])]
    return keys


def slideshow(plan: CapturePlan, rng: np.random.Generator, medium: str = "screen") -> Capture:
    """The victim's different real photos, each shown when its prompt comes: hard cuts between photos."""
    return _render(plan, _pose_keys(plan, FC.pose_faces(rng), rng, smooth=False), rng, medium)


def _edited_faces(kind: str) -> dict[str, E.Face]:
    """One photo (obama.jpg) edited into every pose: crude warps or the careful eye paint."""
    look = E.framed(*P.FRONTAL)
    blink = E.squashed_eyes(look) if kind == "crude" else E.closed_eyes()
    return {"look": look, "blink": blink, "open_mouth": E.open_mouth_edit(look),
            "turn_left": E.sideways(look, 0.15), "turn_right": E.sideways(look, -0.15)}


def edits(plan: CapturePlan, rng: np.random.Generator, medium: str = "screen", smooth: bool = False,
          kind: str = "careful") -> Capture:
    """A single photo edited into each asked pose (dark lips and a lower chin, shut eyes, a sideways warp),
    switched in when the prompt comes (smooth: morphed in and out, the way a head would move)."""
    return _render(plan, _pose_keys(plan, _edited_faces(kind), rng, smooth), rng, medium)


def replay_new_plan(plan: CapturePlan, rng: np.random.Generator, seed: int) -> tuple[Capture, CapturePlan]:
    """A genuine capture recorded under an earlier challenge, sent for a new one: its frames follow the
    old colours. Returns the capture and the old plan (the flash kind draws the same actions again; the
    steady kind draws new ones, since its timeline is otherwise the same)."""
    actions = tuple(w.action for w in plan.windows)
    picker = random.Random(seed)
    if plan.kind == "steady":
        from registry.face.liveness import ACTIONS  # noqa: PLC0415 - only this attack needs the list

        current = actions
        while actions == current:
            actions = tuple(picker.sample(ACTIONS, len(current)))
    old = draw_plan(actions, plan.kind, picker)  # a seeded Random instead of SystemRandom: repeatable
    return FC.genuine_capture(old, seed=seed), old


def unlit_replay(plan: CapturePlan, rng: np.random.Generator, seed: int) -> Capture:
    """The victim's genuine movements on this plan's timeline, but without the screen's light on the face
    (a video of them shown on another screen, or made without the flashing)."""
    return FC.genuine_capture(plan, seed=seed, light=float(rng.uniform(0.0, 0.05)))


ATTACKS: dict[str, Callable[[CapturePlan, np.random.Generator, int], Capture]] = {
    "still (print)": lambda plan, rng, seed: still(plan, rng, "print"),
    "still (screen)": lambda plan, rng, seed: still(plan, rng, "screen"),
    "jitter (print)": lambda plan, rng, seed: jitter(plan, rng, "print"),
    "jitter (screen)": lambda plan, rng, seed: jitter(plan, rng, "screen"),
    "other person (live)": lambda plan, rng, seed: other_person(plan, rng),
    "identity change (cut)": lambda plan, rng, seed: identity_change(plan, rng, smooth=False),
    "identity change (morph)": lambda plan, rng, seed: identity_change(plan, rng, smooth=True),
    "slideshow (screen)": lambda plan, rng, seed: slideshow(plan, rng, "screen"),
    "slideshow (print)": lambda plan, rng, seed: slideshow(plan, rng, "print"),
    "crude edits (screen)": lambda plan, rng, seed: edits(plan, rng, "screen", kind="crude"),
    "edits, cut in (screen)": lambda plan, rng, seed: edits(plan, rng, "screen"),
    "edits, cut in (print)": lambda plan, rng, seed: edits(plan, rng, "print"),
    "edits, morphed (screen)": lambda plan, rng, seed: edits(plan, rng, "screen", smooth=True),
    "slideshow, morphed (screen)": lambda plan, rng, seed: _render(
        plan, _pose_keys(plan, FC.pose_faces(rng), rng, smooth=True), rng, "screen"),
    "light-free replay": lambda plan, rng, seed: unlit_replay(plan, rng, seed),
}
