"""The provider interface: one request type and one decision type for every engine.

The embedded dlib engine ships enabled. Another engine (a government or
cloud face-comparison service) plugs in by setting FACE_PROVIDER to
"package.module:ClassName"; the class is built with the app's
FACE_PROVIDER_OPTIONS and must offer `name`, `version`, `enroll` and `check`.
A provider that keeps its own references (a government photo registry) may
return an opaque template from `enroll` (for example its record id).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from flask import current_app

from registry.face import engine, liveness, pool
from registry.face.imaging import (
    FRAME_FORMATS,
    REFERENCE_FORMATS,
    ImageRejected,
    decode_image,
    enlarge_small,
)
from registry.face.settings import setting, thresholds

PROVIDER_KEY = "registry.face.provider"


@dataclass(frozen=True)
class CheckRequest:
    """What a provider is asked: do these frames show these actions, by this person?"""

    frames: list[bytes]
    actions: tuple[str, ...]
    reference_template: bytes
    purpose: str


@dataclass
class Decision:
    """A provider's answer. `reason` is a stable code when passed is False."""

    passed: bool
    reason: str | None
    engine: str
    scores: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    frame_index: int | None = None


@dataclass(frozen=True)
class Enrollment:
    """A reference template, or the reason a photo cannot be one."""

    template: bytes | None
    reason: str | None
    engine: str
    scores: dict[str, Any] = field(default_factory=dict)


class FaceProvider(Protocol):
    name: str

    def version(self) -> str: ...

    def enroll(self, image: bytes) -> Enrollment: ...

    def check(self, request: CheckRequest) -> Decision: ...


def _limits() -> engine.QualityLimits:
    return engine.QualityLimits(
        min_score=float(setting("FACE_DETECTION_MIN_SCORE")),
        min_face_pixels=int(setting("FACE_MIN_FACE_PIXELS")),
        min_face_fraction=float(setting("FACE_MIN_FACE_FRACTION")),
        min_brightness=float(setting("FACE_MIN_BRIGHTNESS")),
        max_brightness=float(setting("FACE_MAX_BRIGHTNESS")),
        min_sharpness=float(setting("FACE_MIN_SHARPNESS")),
    )


def _liveness_limits() -> liveness.LivenessThresholds:
    return liveness.LivenessThresholds(
        eye_open_min=float(setting("FACE_EYE_OPEN_MIN")), eye_closed_max=float(setting("FACE_EYE_CLOSED_MAX")),
        mouth_closed_max=float(setting("FACE_MOUTH_CLOSED_MAX")),
        mouth_open_min=float(setting("FACE_MOUTH_OPEN_MIN")),
        yaw_frontal_max=float(setting("FACE_YAW_FRONTAL_MAX")), yaw_turned_min=float(setting("FACE_YAW_TURNED_MIN")),
        min_motion=float(setting("FACE_MIN_MOTION")),
    )


def _r(value: float) -> float:
    return round(float(value), 4)


class EmbeddedProvider:
    """dlib in this process: quality gates, action liveness and the match, per frame once."""

    name = "embedded"

    def __init__(self, **options: Any):
        self.options = options

    def version(self) -> str:
        return engine.engine_version()

    def enroll(self, image: bytes) -> Enrollment:
        """A descriptor from a trusted photo (chip DG2 or an operator-approved photo)."""
        try:
            pixels = decode_image(image, formats=REFERENCE_FORMATS, max_bytes=int(setting("FACE_MAX_REFERENCE_BYTES")),
                                  max_pixels=int(setting("FACE_MAX_IMAGE_PIXELS")),
                                  max_side=int(setting("FACE_REFERENCE_MAX_SIDE")))
            # Chip and ID-card photos can be small (102 x 126) and loosely framed: enlarge and allow
            # upsampling here only; camera frames must meet the size gates as taken.
            enlarged = enlarge_small(pixels, int(setting("FACE_REFERENCE_MIN_SIDE")))
            limits = _limits()
            if enlarged is not pixels:
                # Enlarging smooths the picture, so the blur gate would judge the scaling, not the
                # photo; a document's photo is what it is (the match threshold still decides).
                limits = replace(limits, min_sharpness=0.0)
            face = engine.analyse(enlarged, limits, retry_upsampled=True)
        except (ImageRejected, engine.FaceRejected) as refusal:
            return Enrollment(None, refusal.reason, self.version())
        return Enrollment(engine.pack_descriptor(face.descriptor), None, self.version(),
                          {"detection_score": _r(face.score), "brightness": _r(face.brightness),
                           "sharpness": _r(face.sharpness)})

    def check(self, request: CheckRequest) -> Decision:
        """Quality of every frame, one face throughout, the actions in order, then the match."""
        limits, live_limits = _limits(), _liveness_limits()
        recorded = thresholds()
        decision = Decision(False, None, self.version(), {}, recorded)
        reference = engine.unpack_descriptor(request.reference_template)
        observations: list[engine.FaceObservation] = []
        max_side = int(setting("FACE_FRAME_MAX_SIDE"))
        for index, data in enumerate(request.frames):
            try:
                pixels = decode_image(data, formats=FRAME_FORMATS, max_bytes=int(setting("FACE_MAX_FRAME_BYTES")),
                                      max_pixels=int(setting("FACE_MAX_IMAGE_PIXELS")), max_side=max_side)
                observations.append(engine.analyse(pixels, limits, describe=False))
            except (ImageRejected, engine.FaceRejected) as refusal:
                decision.reason, decision.frame_index = refusal.reason, index
                decision.scores = {"frames_analysed": index, **getattr(refusal, "details", {})}
                return decision
        descriptors = pool.describe([o.chip for o in observations], int(setting("FACE_DESCRIPTOR_PROCESSES")))
        for observation, descriptor in zip(observations, descriptors):
            observation.descriptor = descriptor
        # Compare with the burst's most central face (not simply the first frame),
        # so the frame named in a face_changed refusal is the odd one out.
        stacked = np.stack([o.descriptor for o in observations])
        pairwise = np.linalg.norm(stacked[:, None, :] - stacked[None, :, :], axis=2)
        burst = [float(d) for d in pairwise[int(np.argmin(pairwise.sum(axis=1)))]]
        decision.scores["burst_max_distance"] = _r(max(burst))
        worst = int(np.argmax(burst))
        if burst[worst] > float(setting("FACE_BURST_THRESHOLD")):
            decision.reason, decision.frame_index = "face_changed", worst
            return decision
        metrics = [liveness.frame_metrics(o.landmarks) for o in observations]
        live = liveness.check_actions(metrics, request.actions, live_limits)
        decision.scores.update({
            "motion": _r(live.motion),
            "eye_ratio": [_r(m.eye_ratio) for m in metrics],
            "mouth_ratio": [_r(m.mouth_ratio) for m in metrics],
            "yaw": [_r(m.yaw) for m in metrics],
            "action_frames": live.action_frames,
        })
        if not live.passed:
            decision.reason = live.reason
            if live.missing:
                decision.scores["missing_actions"] = live.missing
            return decision
        distances = [engine.distance(reference, o.descriptor) for o in observations]
        match = float(np.median(distances))
        decision.scores.update({"match_distance": _r(match), "match_distance_max": _r(max(distances)),
                                "detection_score_min": _r(min(o.score for o in observations))})
        if match > float(setting("FACE_MATCH_THRESHOLD")):
            decision.reason = "no_match"
            return decision
        decision.passed = True
        return decision


BUILTIN = {"embedded": EmbeddedProvider}


def load_provider(spec: str, options: dict[str, Any] | None = None) -> FaceProvider:
    """Build a provider from a built-in name or a "module:Class" path."""
    if spec in BUILTIN:
        return BUILTIN[spec](**(options or {}))
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise RuntimeError(f"FACE_PROVIDER must be a built-in name or 'module:Class', not {spec!r}")
    factory = getattr(importlib.import_module(module_name), attribute)
    return factory(**(options or {}))


def get_provider() -> FaceProvider:
    """The current app's provider, built once per app."""
    extensions = current_app.extensions
    key = (setting("FACE_PROVIDER"), repr(setting("FACE_PROVIDER_OPTIONS")))
    cached = extensions.get(PROVIDER_KEY)
    if cached is None or cached[0] != key:
        cached = (key, load_provider(key[0], setting("FACE_PROVIDER_OPTIONS")))
        extensions[PROVIDER_KEY] = cached
    return cached[1]
