"""Face-verification settings: defaults here, overridable in the app config.

The thresholds were chosen from measurements on real photos (see
registry/face/README.md); each check records the values it used, so a change
here never rewrites the meaning of an old decision.
"""
from __future__ import annotations

import json
from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    # "embedded" (dlib, shipped) or "package.module:ProviderClass" for a plug-in.
    "FACE_PROVIDER": "embedded",
    "FACE_PROVIDER_OPTIONS": {},
    # Euclidean distance between 128-d descriptors at or below which two faces
    # are the same person. Measured: same person 0.15-0.42, others 0.75+.
    "FACE_MATCH_THRESHOLD": 0.50,
    # Every frame of a burst must be this close to the burst's first frame.
    "FACE_BURST_THRESHOLD": 0.50,
    # HOG detections scoring below this are ignored (the astronaut's mission
    # patch scores 0.12 with upsampling; real faces 0.7 and up).
    "FACE_DETECTION_MIN_SCORE": 0.30,
    "FACE_MIN_FACE_PIXELS": 80,
    "FACE_MIN_FACE_FRACTION": 0.15,
    # Mean grey level of the face box: normal photos 111-170, the same photos
    # darkened to 30 % 33-51, brightened 2.2x 202-239.
    "FACE_MIN_BRIGHTNESS": 60.0,
    "FACE_MAX_BRIGHTNESS": 200.0,
    # Laplacian variance of the face at 128 px: sharp photos 219-681, the
    # same after a 2 px Gaussian blur 15-48.
    "FACE_MIN_SHARPNESS": 60.0,
    # Liveness (aspect ratios from the 68 landmarks; yaw from nose vs jaw).
    "FACE_EYE_OPEN_MIN": 0.21,
    "FACE_EYE_CLOSED_MAX": 0.18,
    "FACE_MOUTH_CLOSED_MAX": 0.35,
    "FACE_MOUTH_OPEN_MIN": 0.50,
    "FACE_YAW_FRONTAL_MAX": 0.12,
    "FACE_YAW_TURNED_MIN": 0.25,
    # Frames whose landmarks hardly differ once aligned: a still photo or a replayed
    # frame. A hand-held photo moved around scores about 0.04, a blink alone
    # about 0.01, real head turns 0.2: the action checks do the real work.
    "FACE_MIN_MOTION": 0.005,
    # --- camera captures on a plan's timeline (registry/face/continuity.py, flash.py) ---------------
    # Measured (2026-12-01) on 120 synthesized genuine captures (tests/factories/face_capture.py: real
    # photos, morphed, lit, noisy, JPEG) and the attacks of bench/face_spoof.py. No real video was
    # available: real cameras (auto white balance, bright rooms) may need these revisited.
    # Timing: the page starts the colours and the capture together, one frame per 100 ms. Genuine:
    # first frame 0-35 ms, largest gap 185 ms (a late frame), last frame at most 115 ms before the end.
    "FACE_CAPTURE_MAX_START_MS": 250.0,
    "FACE_CAPTURE_MAX_GAP_INTERVALS": 2.5,
    "FACE_CAPTURE_SPAN_TOLERANCE_MS": 250.0,
    # Continuity between consecutive frames (appearance: 1 - per-channel correlation of the aligned
    # face; shape: Procrustes distance of the skull-fixed landmarks): a step beyond the maximum, or one
    # at least the minimum size and more than the isolation limit times both neighbouring steps, is a
    # cut. Measured (120 genuine captures / the cut attacks): largest appearance step 0.39 / cuts between
    # his photos 0.44-0.80; isolation of the appearance step at most 2.10 / cuts 2.3-12.7, of the shape
    # step at most 3.48 / 4.6-13.2 (6.0, not 4.5: a cross-fade between two photos, as the browser test's
    # fake camera draws a turn, moves dlib's landmarks from one face to the other in one step, 4.5;
    # every attack caught at 4.5 is still caught at 6.0 except one screen edit the light check stops);
    # noise between frames of a still: appearance 0.001-0.013, shape 0.01-0.04; a blink (no cut by
    # design) 0.01-0.02 and nothing on the skull-fixed landmarks.
    "FACE_MAX_APPEARANCE_JUMP": 0.50,
    "FACE_MIN_APPEARANCE_STEP": 0.05,
    "FACE_MIN_SHAPE_STEP": 0.08,
    "FACE_MAX_APPEARANCE_ISOLATION": 3.0,
    "FACE_MAX_SHAPE_ISOLATION": 6.0,
    # Reflected light: correlation of the skin's chromaticity with the flashed colours' (at the best lag
    # of 0-300 ms), and the gain (the share of the screen's colour seen in the skin). Genuine (screen
    # light k 0.15-0.35): correlation 0.908-0.996, gain 0.080-0.227. Pictures on another screen (k 0-0.05):
    # gain at most 0.034 (correlation up to 0.96: they do follow the colours, faintly). A capture recorded
    # under another plan: correlation at most 0.65 (36 replays); on the light model, 1500 random pairs
    # of plans: 0.5 % of 1-action plans reach 0.85 (their 4-5 colours can repeat), none of 2-action ones.
    "FACE_LIGHT_MIN_CORRELATION": 0.85,
    "FACE_LIGHT_MIN_GAIN": 0.05,
    # Off (0): when > 0, the top corners of the frame (the room) may show at most this share of the
    # face's gain. Physically the room gets far less of the screen's light than the face and a print
    # held up gets it all over (prints: 0.85-1.09). Not usable yet: the synthesized captures morph
    # between photos with different backgrounds (genuine shares -1.4-1.7), real rooms are not measured,
    # and the browser test's fake camera tints its whole picture. The score is recorded either way.
    "FACE_LIGHT_MAX_BACKGROUND_SHARE": 0.0,
    "FACE_LIGHT_MAX_LAG_MS": 300.0,
    "FACE_LIGHT_LAG_STEP_MS": 25.0,
    # An action counts inside its window widened by this much on each side (reaction 250-550 ms plus a
    # capture latency of 30-200 ms in the synthesizer; actions are seen 370-1180 ms into their window).
    "FACE_ACTION_WINDOW_SLACK_MS": 400.0,
    # A blink in a capture also brings the eye ratio to this share of its median over the capture.
    # Genuine blinks: lowest ratio / median at most 0.57; a photo held still or by hand (eyes of 12 px in
    # a 360 px frame flicker, down to 0.18 once): at least 0.78.
    "FACE_BLINK_MAX_SHARE": 0.70,
    # Speed (the whole check must stay within 1.5 s on 2 shared cores): HOG detection on every Nth
    # frame, the box tracked in between (detection 10-15 ms a frame, landmarks 3-5 ms); descriptors
    # (110-200 ms each on this machine) on this many frames: each action's held pose first, then the
    # first frame, the last, the widest gaps. Continuity ties every other frame to them.
    "FACE_CAPTURE_DETECT_EVERY": 5,
    "FACE_CAPTURE_DESCRIPTORS": 3,
    "FACE_CHALLENGE_TTL_SECONDS": 120,
    "FACE_CHALLENGE_MIN_ACTIONS": 1,
    "FACE_CHALLENGE_MAX_ACTIONS": 2,
    # Tests only: a fixed action sequence instead of a random one.
    "FACE_CHALLENGE_ACTIONS_FOR_TESTS": None,
    "FACE_MIN_FRAMES": 3,
    # A camera capture sends a frame every 100 ms for up to about 6 s (steady kind, three actions).
    "FACE_MAX_FRAMES": 80,
    "FACE_MAX_FRAME_BYTES": 1_500_000,
    "FACE_MAX_REFERENCE_BYTES": 8_000_000,
    # Decoded size limit: larger images are refused before decoding (bombs).
    "FACE_MAX_IMAGE_PIXELS": 16_000_000,
    # Frames are analysed at most this wide/high (keeps dlib within budget).
    "FACE_FRAME_MAX_SIDE": 640,
    "FACE_REFERENCE_MAX_SIDE": 1280,
    # References whose short side is smaller are enlarged first (an ID-card photo is 102 x 126).
    "FACE_REFERENCE_MIN_SIDE": 360,
    # Helper processes sharing a check's landmarks and descriptors (registry/face/pool.py); 0 = none.
    "FACE_HELPER_PROCESSES": 1,
    # Operator setting: keep the uploaded frames (encrypted) with the decision.
    "FACE_KEEP_FRAMES": False,
    # Rate limit: this many failed checks within the window blocks new tries.
    "FACE_MAX_FAILURES": 5,
    "FACE_FAILURE_WINDOW_SECONDS": 1800,
    # How long a passed check may be claimed by the step it confirms.
    "FACE_CHECK_VALID_SECONDS": 600,
    # Challenges a person may start within the failure window: asking for a new one is not free
    # (re-rolling until a challenge suits a prepared attack costs tries).
    "FACE_MAX_CHALLENGES": 12,
    # Actions of the steady kind (no flashing, for people who ask for reduced motion): more than
    # the flash kind's 1-2, since no reflected light backs them up.
    "FACE_STEADY_ACTIONS": 3,
    # Uploading photos one by one instead of a camera capture: no continuity, no light check, so a
    # single edited photo can pass; off unless an operator accepts that risk for their platform.
    "FACE_PHOTO_CAPTURE": False,
}


def setting(name: str) -> Any:
    """A face setting from the app config, falling back to DEFAULTS.

    Values from REGISTRY_FACE_* environment variables arrive as strings
    (the core config only converts the keys it knows): convert them here.
    """
    default = DEFAULTS[name]
    value = current_app.config.get(name, default)
    if isinstance(value, str) and not isinstance(default, str) and default is not None:
        if isinstance(default, bool):
            return value.lower() in {"1", "true", "yes", "on"}
        if isinstance(default, (int, float)):
            return type(default)(value)
        return json.loads(value)
    if isinstance(value, str) and default is None and name.endswith("_FOR_TESTS"):
        return [part for part in value.split(",") if part]
    return value


def thresholds() -> dict[str, float]:
    """The decision thresholds in force, recorded with every check."""
    names = ("FACE_MATCH_THRESHOLD", "FACE_BURST_THRESHOLD", "FACE_DETECTION_MIN_SCORE",
             "FACE_MIN_FACE_PIXELS", "FACE_MIN_FACE_FRACTION", "FACE_MIN_BRIGHTNESS", "FACE_MAX_BRIGHTNESS",
             "FACE_MIN_SHARPNESS", "FACE_EYE_OPEN_MIN", "FACE_EYE_CLOSED_MAX", "FACE_MOUTH_CLOSED_MAX",
             "FACE_MOUTH_OPEN_MIN", "FACE_YAW_FRONTAL_MAX", "FACE_YAW_TURNED_MIN", "FACE_MIN_MOTION")
    return {name[len("FACE_"):].lower(): float(setting(name)) for name in names}


CAPTURE_THRESHOLDS = ("FACE_CAPTURE_MAX_START_MS", "FACE_CAPTURE_MAX_GAP_INTERVALS", "FACE_CAPTURE_SPAN_TOLERANCE_MS",
                      "FACE_MAX_APPEARANCE_JUMP", "FACE_MIN_APPEARANCE_STEP", "FACE_MIN_SHAPE_STEP",
                      "FACE_MAX_APPEARANCE_ISOLATION", "FACE_MAX_SHAPE_ISOLATION", "FACE_LIGHT_MIN_CORRELATION",
                      "FACE_LIGHT_MIN_GAIN", "FACE_LIGHT_MAX_BACKGROUND_SHARE", "FACE_LIGHT_MAX_LAG_MS",
                      "FACE_LIGHT_LAG_STEP_MS",
                      "FACE_ACTION_WINDOW_SLACK_MS", "FACE_BLINK_MAX_SHARE", "FACE_CAPTURE_DETECT_EVERY",
                      "FACE_CAPTURE_DESCRIPTORS")


def capture_thresholds() -> dict[str, float]:
    """thresholds() plus those of a camera capture on a plan (timing, continuity, light, windows)."""
    return {**thresholds(), **{name[len("FACE_"):].lower(): float(setting(name)) for name in CAPTURE_THRESHOLDS}}
