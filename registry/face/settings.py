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
    "FACE_CHALLENGE_TTL_SECONDS": 120,
    "FACE_CHALLENGE_MIN_ACTIONS": 1,
    "FACE_CHALLENGE_MAX_ACTIONS": 2,
    # Tests only: a fixed action sequence instead of a random one.
    "FACE_CHALLENGE_ACTIONS_FOR_TESTS": None,
    "FACE_MIN_FRAMES": 3,
    "FACE_MAX_FRAMES": 15,
    "FACE_MAX_FRAME_BYTES": 1_500_000,
    "FACE_MAX_REFERENCE_BYTES": 8_000_000,
    # Decoded size limit: larger images are refused before decoding (bombs).
    "FACE_MAX_IMAGE_PIXELS": 16_000_000,
    # Frames are analysed at most this wide/high (keeps dlib within budget).
    "FACE_FRAME_MAX_SIDE": 640,
    "FACE_REFERENCE_MAX_SIDE": 1280,
    # References whose short side is smaller are enlarged first (an ID-card photo is 102 x 126).
    "FACE_REFERENCE_MIN_SIDE": 360,
    # Helper processes computing descriptors in parallel (see registry/face/pool.py); 0 = none.
    "FACE_DESCRIPTOR_PROCESSES": 1,
    # Operator setting: keep the uploaded frames (encrypted) with the decision.
    "FACE_KEEP_FRAMES": False,
    # Rate limit: this many failed checks within the window blocks new tries.
    "FACE_MAX_FAILURES": 5,
    "FACE_FAILURE_WINDOW_SECONDS": 1800,
    # How long a passed check may be claimed by the step it confirms.
    "FACE_CHECK_VALID_SECONDS": 600,
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
