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
import time
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from flask import current_app

from registry.face import continuity, engine, flash, liveness, pool
from registry.face.challenge_plan import CapturePlan
from registry.face.imaging import (
    FRAME_FORMATS,
    REFERENCE_FORMATS,
    ImageRejected,
    decode_image,
    enlarge_small,
)
from registry.face.settings import capture_thresholds, setting, thresholds

PROVIDER_KEY = "registry.face.provider"


@dataclass(frozen=True)
class CheckRequest:
    """What a provider is asked: do these frames show these actions, by this person?"""

    frames: list[bytes]
    actions: tuple[str, ...]
    reference_template: bytes
    purpose: str
    # A camera challenge's timeline (flashed colours, action windows) and each frame's capture time
    # in ms from the start of the capture; both None for uploaded photos (capture "photos").
    plan: CapturePlan | None = None
    times_ms: tuple[float, ...] | None = None


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
        """Quality of every frame, one face throughout, the actions in order, then the match.

        A camera challenge with a plan is judged as one continuous capture
        (see check_capture); uploaded photos, and camera bursts sent without
        a plan, as a set of separate frames.
        """
        if request.plan is not None:
            return check_capture(request, self.version())
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
        descriptors = pool.describe([o.chip for o in observations], int(setting("FACE_HELPER_PROCESSES")))
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


def _descriptor_frames(count: int, held_frames: list[int], wanted: int) -> list[int]:
    """Frames to describe, `wanted` in all: each action's held pose first (the person doing what was
    asked is who must match), then the first frame, the last, and the middle of the widest gaps."""
    chosen = set(held_frames[:wanted])
    for extra in (0, count - 1):
        if len(chosen) < min(wanted, count):
            chosen.add(extra)
    while len(chosen) < min(wanted, count):
        ordered = sorted(chosen)
        widest = max(range(len(ordered) - 1), key=lambda i: ordered[i + 1] - ordered[i])
        chosen.add((ordered[widest] + ordered[widest + 1]) // 2)
    return sorted(chosen)


def check_capture(request: CheckRequest, engine_version: str) -> Decision:
    """A camera capture on its plan's timeline, in the order of the reasons it can give:

    capture_incomplete (timing), the quality gates (detection on every
    FACE_CAPTURE_DETECT_EVERY-th frame, tracking between), capture_cut
    (continuity), face_changed (descriptors of FACE_CAPTURE_DESCRIPTORS
    frames: each action's held pose, then the first, the last, the widest
    gaps), light_mismatch (flash kind), no_movement / action_missing /
    action_order (each action in its window), no_match. Once the frames are
    analysed every measure is taken whatever fails, and every figure goes
    into the decision's scores, so an operator reading the record sees why.
    """
    started = time.perf_counter()
    plan, times = request.plan, tuple(request.times_ms or ())
    decision = Decision(False, None, engine_version, {"capture_kind": plan.kind}, capture_thresholds())
    scores = decision.scores
    interval = float(plan.frame_interval_ms)
    timing = continuity.check_timing(times, len(request.frames), plan.total_ms, continuity.TimingLimits(
        interval, float(setting("FACE_CAPTURE_MAX_START_MS")), float(setting("FACE_CAPTURE_MAX_GAP_INTERVALS")),
        float(setting("FACE_CAPTURE_SPAN_TOLERANCE_MS"))))
    scores["timing"] = timing.scores
    if not timing.passed:
        decision.reason = "capture_incomplete"
        return decision
    max_side = int(setting("FACE_FRAME_MAX_SIDE"))
    pixels: list[np.ndarray] = []
    for index, data in enumerate(request.frames):
        try:
            pixels.append(decode_image(data, formats=FRAME_FORMATS, max_bytes=int(setting("FACE_MAX_FRAME_BYTES")),
                                       max_pixels=int(setting("FACE_MAX_IMAGE_PIXELS")), max_side=max_side))
        except ImageRejected as refusal:
            decision.reason, decision.frame_index = refusal.reason, index
            return decision
    try:
        observations = pool.analyse_sequence(pixels, _limits(), int(setting("FACE_CAPTURE_DETECT_EVERY")),
                                             int(setting("FACE_HELPER_PROCESSES")))
    except engine.FaceRejected as refusal:
        details = dict(refusal.details)
        decision.reason, decision.frame_index = refusal.reason, int(details.pop("frame", 0))
        scores.update({"frames_analysed": decision.frame_index, **details})
        return decision
    detected = [o.score for o in observations if o.score == o.score]  # tracked frames have no score (nan)
    scores.update({"frames_analysed": len(observations), "frames_detected": len(detected),
                   "detection_score_min": _r(min(detected)),
                   "brightness_min": _r(min(o.brightness for o in observations)),
                   "sharpness_min": _r(min(o.sharpness for o in observations))})
    landmarks = [o.landmarks for o in observations]
    # 1. One continuous capture.
    cut = continuity.check_continuity(
        [continuity.face_patch(o.chip) for o in observations], landmarks, times, interval,
        continuity.ContinuityLimits(float(setting("FACE_MAX_APPEARANCE_JUMP")),
                                    float(setting("FACE_MIN_APPEARANCE_STEP")), float(setting("FACE_MIN_SHAPE_STEP")),
                                    float(setting("FACE_MAX_APPEARANCE_ISOLATION")),
                                    float(setting("FACE_MAX_SHAPE_ISOLATION"))))
    scores.update({"times_ms": list(times), "appearance_jump": [_r(v) for v in cut.appearance],
                   "shape_jump": [_r(v) for v in cut.shape],
                   "appearance_isolation": [_r(v) for v in cut.appearance_isolation],
                   "shape_isolation": [_r(v) for v in cut.shape_isolation],
                   "appearance_jump_max": _r(max(cut.appearance)), "shape_jump_max": _r(max(cut.shape))})
    # 2. The actions, each in its window.
    metrics = [liveness.frame_metrics(points) for points in landmarks]
    windows = [(w.action, float(w.start_ms), float(w.end_ms)) for w in plan.windows]
    live = liveness.check_windowed_actions(metrics, times, windows, _liveness_limits(),
                                           float(setting("FACE_ACTION_WINDOW_SLACK_MS")),
                                           float(setting("FACE_BLINK_MAX_SHARE")))
    scores.update({"motion": _r(live.motion), "eye_ratio": [_r(m.eye_ratio) for m in metrics],
                   "mouth_ratio": [_r(m.mouth_ratio) for m in metrics], "yaw": [_r(m.yaw) for m in metrics],
                   "action_frames": live.action_frames, "held_frames": live.held_frames,
                   "action_times_ms": {a: times[i] for a, i in live.action_frames.items()}})
    if live.missing:
        scores["missing_actions"] = live.missing
    # 3. The light reflected by the skin (flash kind only: the steady kind shows no colours).
    light = None
    if plan.kind == "flash" and plan.flash:
        colours = np.array([flash.skin_colour(p, o.landmarks) for p, o in zip(pixels, observations)])
        light = flash.check_light(colours, times, plan, flash.LightLimits(
            float(setting("FACE_LIGHT_MIN_CORRELATION")), float(setting("FACE_LIGHT_MIN_GAIN")),
            float(setting("FACE_LIGHT_MAX_LAG_MS")), float(setting("FACE_LIGHT_LAG_STEP_MS"))))
        chroma = flash.chromaticity(colours)
        # The room behind a person gets far less of the screen's light than the face; a print held in
        # front of the camera gets as much on its background as on its face.
        room = np.array([flash.background_colour(p, o.box) for p, o in zip(pixels, observations)])
        room_gain = flash.gain_at(room, times, plan, light.lag_ms)
        room_share = float(setting("FACE_LIGHT_MAX_BACKGROUND_SHARE"))
        if room_share > 0 and light.passed and room_gain == room_gain and room_gain > room_share * light.gain:
            light.passed = False
        scores["light"] = {"correlation": _r(light.correlation), "gain": _r(light.gain), "lag_ms": light.lag_ms,
                           "background_gain": _r(room_gain) if room_gain == room_gain else None,
                           "modulation": _r(light.modulation), "expected_modulation": _r(light.expected_modulation),
                           "correlation_by_lag_ms": light.by_lag,
                           "skin_r": [_r(v) for v in chroma[:, 0]], "skin_g": [_r(v) for v in chroma[:, 1]]}
    # 4. Identity: a few descriptors, at each action's held pose first; continuity ties the rest to them.
    chosen = _descriptor_frames(len(observations), list(live.held_frames.values()),
                                int(setting("FACE_CAPTURE_DESCRIPTORS")))
    descriptors = pool.describe([observations[i].chip for i in chosen], int(setting("FACE_HELPER_PROCESSES")))
    stacked = np.stack(descriptors)
    pairwise = np.linalg.norm(stacked[:, None, :] - stacked[None, :, :], axis=2)
    burst = pairwise[int(np.argmin(pairwise.sum(axis=1)))]
    reference = engine.unpack_descriptor(request.reference_template)
    distances = [engine.distance(reference, d) for d in descriptors]
    match = float(np.median(distances))
    scores.update({"descriptor_frames": chosen, "burst_distance": [_r(v) for v in burst],
                   "burst_max_distance": _r(burst.max()), "match_distances": [_r(v) for v in distances],
                   "match_distance": _r(match), "match_distance_max": _r(max(distances))})
    # The first reason that applies, in the order of the docstring.
    if not cut.passed:
        decision.reason, decision.frame_index = "capture_cut", cut.frame_index
    elif burst.max() > float(setting("FACE_BURST_THRESHOLD")):
        decision.reason, decision.frame_index = "face_changed", chosen[int(np.argmax(burst))]
    elif light is not None and not light.passed:
        decision.reason = "light_mismatch"
    elif not live.passed:
        decision.reason = live.reason
    elif match > float(setting("FACE_MATCH_THRESHOLD")):
        decision.reason = "no_match"
    else:
        decision.passed = True
    scores["analysis_ms"] = round((time.perf_counter() - started) * 1000, 1)
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
