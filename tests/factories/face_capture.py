"""A genuine camera capture, synthesized from real photos, on a challenge plan's timeline.

The check is calibrated against what a person in front of the flashing
screen produces; without video of a real person, this module renders it
from the public photos of one person (tests/factories/photos.py):

* poses: looking straight is obama.jpg; a turn to his left is obama3.jpg or
  obama2.jpg mirrored, to his right obama2.jpg or obama3.jpg mirrored; an
  open mouth is obama2.jpg or its mirror (his only open-mouth photo is also
  turned); a blink is obama.jpg with the eyes painted shut
  (face_edits.closed_eyes: no public photo of him blinks). The photos' colour
  casts are evened out, as one camera in one room would record them.
* movement: each action starts 250-550 ms after its window opens (reaction
  time); a turn or an opening mouth takes 300-600 ms (the prompt says
  "slowly"), the way back 300-500 ms; a blink closes in 60-120 ms, stays
  shut 100-250 ms and opens in 80-160 ms. Rendered as a landmark-driven morph between the two real
  photos, so consecutive frames are continuous like a video's; the face
  comes back to the camera after each action, or half of the time goes from
  one turn straight to the other (his open-mouth photos are turned too, so
  an open mouth always starts and ends facing the camera).
* light: the screen's colour adds to the light on the face, pixel *
  (1 - k + k * colour / 255) with k 0.15-0.35 on the face (a smooth mask from
  the landmarks) and 5-30 % of that on the room behind; the frame shows the
  colour of its exposure (a 33 ms exposure, 30-200 ms before its timestamp:
  the capture latency), with a slow drift of the camera's own white balance.
* camera: slight head and hand motion (a few pixels, 1-2 degrees, 2 %),
  sensor noise (sigma 1.5-3.5), 360 x 270 JPEG at quality 70-92, frames every
  100 +- 10 ms from 0-35 ms with an occasional late one.

`genuine_capture(plan, seed=...)` returns the JPEG frames and their times.
`render(...)` is the same machinery for the attack bench (other faces,
other light, no light).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from registry.face.challenge_plan import CapturePlan
from tests.factories import face_edits as E
from tests.factories import photos as P

WHITE = (245.0, 245.0, 245.0)  # the page's own background, before and after the flashing


@dataclass(frozen=True)
class Keyframe:
    """At t_ms the face is exactly `face`; between two keyframes it morphs from one to the next."""

    t_ms: float
    face: E.Face


def pose_faces(rng: np.random.Generator) -> dict[str, E.Face]:
    """Real photos for the straight look and each action (one of the alternatives, drawn per capture)."""
    def pick(*options: tuple[str, bool]) -> E.Face:
        return E.framed(*options[int(rng.integers(len(options)))])

    return {"look": E.framed(*P.FRONTAL), "turn_left": pick(P.TURNED_LEFT, P.TURNED_LEFT_MOUTH_OPEN),
            "turn_right": pick(P.TURNED_RIGHT, P.TURNED_RIGHT_MOUTH_CLOSED),
            "open_mouth": pick(P.TURNED_RIGHT, P.TURNED_LEFT_MOUTH_OPEN), "blink": E.closed_eyes()}


def timeline(plan: CapturePlan, faces: dict[str, E.Face], rng: np.random.Generator) -> list[Keyframe]:
    """Keyframes of a person following the plan's prompts with human reaction times."""
    look = faces["look"]
    keys = [Keyframe(0.0, look)]
    current = look
    for index, window in enumerate(plan.windows):
        start = max(window.start_ms + rng.uniform(250, 550), keys[-1].t_ms + 50)
        target = faces[window.action]
        if window.action == "blink":
            close, shut, reopen = rng.uniform(60, 120), rng.uniform(100, 250), rng.uniform(80, 160)
            keys += [Keyframe(start, look), Keyframe(start + close, target), Keyframe(start + close + shut, target),
                     Keyframe(start + close + shut + reopen, look)]
            current = look
            continue
        keys += [Keyframe(start, current), Keyframe(start + rng.uniform(300, 600), target)]
        following = plan.windows[index + 1].action if index + 1 < len(plan.windows) else None
        turns = ("turn_left", "turn_right")
        if window.action in turns and following in turns and rng.random() < 0.5:
            current = target  # from one turn straight to the other when its prompt comes
            continue
        returning = rng.uniform(300, 500)
        hold_until = window.end_ms + 100 - returning  # back at the camera about when the window closes
        back = max(keys[-1].t_ms + 250, min(hold_until - rng.uniform(0, 300), keys[-1].t_ms + rng.uniform(350, 700)))
        keys += [Keyframe(back, target), Keyframe(back + returning, look)]
        current = look
    return keys


def _face_at(keys: list[Keyframe], t_ms: float) -> E.Face:
    if t_ms <= keys[0].t_ms:
        return keys[0].face
    for before, after in zip(keys, keys[1:]):
        if t_ms < after.t_ms:
            if before.face is after.face:
                return before.face
            share = (t_ms - before.t_ms) / max(after.t_ms - before.t_ms, 1e-6)
            return E.morph(before.face, after.face, share * share * (3 - 2 * share))  # ease in and out
    return keys[-1].face


def frame_times(total_ms: float, rng: np.random.Generator, interval: float = 100.0) -> list[float]:
    """Capture times as a browser timer gives them: jittered, sometimes late, up to the end of the plan."""
    times, t = [], rng.uniform(0, 35)
    while t <= total_ms:
        times.append(round(t, 1))
        t += interval + rng.uniform(-10, 10) + (rng.uniform(20, 80) if rng.random() < 0.05 else 0.0)
    return times


def _smooth(rng: np.random.Generator, amplitude: float) -> Callable[[float], float]:
    """A slow random wobble (three sines of 0.2-1.2 Hz), amplitude at most `amplitude`."""
    freqs, phases = rng.uniform(0.2, 1.2, 3), rng.uniform(0, 2 * np.pi, 3)
    return lambda t: amplitude * float(np.sin(2 * np.pi * freqs * t / 1000 + phases).mean())


def light_mask(face: E.Face) -> np.ndarray:
    """Where the screen's light falls: the face and forehead, softly edged (1 on the face, 0 far off)."""
    p = face.landmarks
    height, width = face.pixels.shape[:2]
    brow_up = p[17:27] + (p[17:27] - p[[8] * 10]) * 0.28
    hull = cv2.convexHull(np.round(np.vstack([p[0:17], brow_up])).astype(np.int32))
    mask = np.zeros((height, width), dtype=np.float32)
    cv2.fillConvexPoly(mask, hull, 1.0)
    return cv2.GaussianBlur(mask, (0, 0), 10)[..., None]


def screen_colour(plan: CapturePlan, t_ms: float) -> np.ndarray:
    colour = plan.colour_at(t_ms) if plan.flash else None
    return np.array(colour if colour is not None else WHITE, dtype=np.float32)


def render(plan: CapturePlan, keys: list[Keyframe], times: list[float], rng: np.random.Generator, *,
           light: float | None = None, room_share: float | None = None, latency_ms: float | None = None,
           light_plan: CapturePlan | None = None, motion: float = 1.0,
           extra: Callable[[np.ndarray, float], np.ndarray] | None = None) -> list[bytes]:
    """JPEG frames of the keyframed face at `times`, lit by `light_plan` (default: plan) with strength `light`.

    light=0 renders no screen light at all (a replay on another screen);
    `extra` post-processes each frame's pixels (the attack bench's hook).
    """
    k = rng.uniform(0.15, 0.35) if light is None else light
    room = rng.uniform(0.05, 0.30) if room_share is None else room_share
    latency = rng.uniform(30, 200) if latency_ms is None else latency_ms
    lit_by = light_plan or plan
    noise, quality = rng.uniform(1.5, 3.5), int(rng.integers(70, 93))
    dx, dy = _smooth(rng, 4.0 * motion), _smooth(rng, 3.0 * motion)
    angle, scale = _smooth(rng, 1.5 * motion), _smooth(rng, 0.02 * motion)
    balance = [_smooth(rng, 0.015) for _ in range(3)]
    frames = []
    for t in times:
        exposed = t - latency
        face = _face_at(keys, exposed)
        pixels = face.pixels
        if k > 0:
            colour = (screen_colour(lit_by, exposed) + screen_colour(lit_by, exposed - 33)) / 2
            share = k * (room + (1 - room) * light_mask(face))
            pixels = pixels * (1 - share + share * colour / 255.0)
        pixels = E.similarity(pixels, dx(t), dy(t), angle(t), 1 + scale(t))
        pixels = pixels * np.array([1 + b(t) for b in balance], dtype=np.float32)
        if extra is not None:
            pixels = extra(pixels, t)
        pixels = pixels + rng.normal(0, noise, pixels.shape).astype(np.float32)
        frames.append(E.jpeg(pixels, quality))
    return frames


def genuine_capture(plan: CapturePlan, *, seed: int, light: float | None = None,
                    faces: dict[str, E.Face] | None = None) -> tuple[list[bytes], list[float]]:
    """A genuine capture of the enrolled person (obama) following `plan`: JPEG frames and times in ms.

    `faces` replaces the poses (another person's, for the bench); `light`
    fixes the screen-light strength k (default 0.15-0.35, drawn per capture).
    """
    rng = np.random.default_rng(seed)
    faces = faces or pose_faces(rng)
    keys = timeline(plan, faces, rng)
    times = frame_times(plan.total_ms, rng, plan.frame_interval_ms)
    return render(plan, keys, times, rng, light=light), times
