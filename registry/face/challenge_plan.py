"""The plan of a camera challenge: when each action is asked for, and which colours the screen flashes when.

A camera challenge is a continuous capture of a few seconds. The server draws
the plan: a short look at the camera, then one window per action, and over
the whole capture a random sequence of full-screen colours (炫彩/光线活体).
The page flashes the colours and prompts the actions on this timeline while
it records frames with their capture times; the check then asks whether the
light reflected from the face followed the drawn colours and each action
happened in its window. A still, an edited photo, a slideshow or a replay of
an earlier capture does not follow a sequence drawn after it was made.

Comfort and photosensitivity: colours change at most 2.5 times a second
(segments of at least 400 ms; WCAG 2.3.1 allows fewer than three flashes a
second), the palette has no saturated red (the red-flash threshold), and the
page dims them. People who ask for reduced motion get the no-flash kind,
which asks for more actions instead, each after a pause of random length:
with no colours to follow, the random timeline is what stops a recording of
the same actions from lining up with a new challenge.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

# Colours far apart in chromaticity, none a saturated red (R / (R + G + B) stays below 0.8).
PALETTE: dict[str, tuple[int, int, int]] = {
    "blue": (40, 90, 255),
    "green": (40, 220, 90),
    "yellow": (255, 225, 40),
    "magenta": (235, 60, 235),
    "cyan": (40, 225, 235),
    "white": (245, 245, 245),
}
KINDS = ("flash", "steady")  # steady: no flashing (reduced motion), more actions
LOOK_MS = 1000
ACTION_MS = {"blink": 1300, "open_mouth": 1500, "turn_left": 1600, "turn_right": 1600}
SEGMENT_MS = (400, 700)
# Before each action of the steady kind: a random pause, longer than the action check's slack.
STEADY_PAUSE_MS = (150, 900)
FRAME_INTERVAL_MS = 100


@dataclass(frozen=True)
class FlashSegment:
    colour: str
    start_ms: int
    end_ms: int

    @property
    def rgb(self) -> tuple[int, int, int]:
        return PALETTE[self.colour]


@dataclass(frozen=True)
class ActionWindow:
    action: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class CapturePlan:
    """The timeline of one camera challenge (times in ms from the start of the capture)."""

    kind: str
    windows: tuple[ActionWindow, ...]
    flash: tuple[FlashSegment, ...]  # empty for the steady kind
    look_ms: int = LOOK_MS
    frame_interval_ms: int = FRAME_INTERVAL_MS

    @property
    def total_ms(self) -> int:
        return self.windows[-1].end_ms if self.windows else self.look_ms

    def colour_at(self, t_ms: float) -> tuple[int, int, int] | None:
        """The screen colour shown at t (None before/after the sequence or for the steady kind)."""
        for segment in self.flash:
            if segment.start_ms <= t_ms < segment.end_ms:
                return segment.rgb
        return None

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "look_ms": self.look_ms, "frame_interval_ms": self.frame_interval_ms,
                           "windows": [[w.action, w.start_ms, w.end_ms] for w in self.windows],
                           "flash": [[s.colour, s.start_ms, s.end_ms] for s in self.flash]},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> CapturePlan:
        data = json.loads(text)
        return cls(data["kind"], tuple(ActionWindow(a, s, e) for a, s, e in data["windows"]),
                   tuple(FlashSegment(c, s, e) for c, s, e in data["flash"]), data["look_ms"],
                   data["frame_interval_ms"])

    def for_client(self) -> dict:
        """What the page needs to run the capture: colours as CSS hex, windows, the frame pace."""
        return {"kind": self.kind, "look_ms": self.look_ms, "frame_interval_ms": self.frame_interval_ms,
                "total_ms": self.total_ms,
                "windows": [{"action": w.action, "start_ms": w.start_ms, "end_ms": w.end_ms} for w in self.windows],
                "flash": [{"colour": "#" + bytes(s.rgb).hex(), "start_ms": s.start_ms, "end_ms": s.end_ms}
                          for s in self.flash]}


def draw_plan(actions: tuple[str, ...], kind: str = "flash", rng: secrets.SystemRandom | None = None) -> CapturePlan:
    """Action windows after the look, and for the flash kind random colours of random length over all of it.

    The steady kind puts a random pause before each window instead."""
    if kind not in KINDS:
        raise ValueError(f"unknown capture kind {kind!r}")
    rng = rng or secrets.SystemRandom()
    windows, at = [], LOOK_MS
    for action in actions:
        if kind == "steady":
            at += rng.randint(*STEADY_PAUSE_MS)
        windows.append(ActionWindow(action, at, at + ACTION_MS[action]))
        at += ACTION_MS[action]
    flash: list[FlashSegment] = []
    if kind == "flash":
        start, previous = 0, None
        while start < at:
            colour = rng.choice([name for name in PALETTE if name != previous])
            length = rng.randint(*SEGMENT_MS)
            end = min(at, start + length) if at - (start + length) >= SEGMENT_MS[0] else at
            flash.append(FlashSegment(colour, start, end))
            start, previous = end, colour
    return CapturePlan(kind, tuple(windows), tuple(flash))
