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
    import dlib  # noqa: PLC0415 - dlib loads native code and models; only when a face is checked

    predictor = MODELS.get()[1]
    faces = detect(pixels, limits.min_score, upsample)
    if not faces and retry_upsampled and upsample == 0:
        faces = detect(pixels, limits.min_score, 1)
    if not faces:
        raise FaceRejected("no_face")
    if len(faces) > 1:
        raise FaceRejected("multiple_faces", faces=len(faces))
    (left, top, right, bottom), score = faces[0]
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
    observation = FaceObservation((left, top, right, bottom), score, brightness, sharp, landmarks, chip)
    if describe:
        observation.descriptor = describe_chip(chip)
    return observation


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
