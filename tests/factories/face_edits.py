"""Geometric and colour edits of real face photos, shared by the capture synthesizer and the attack bench.

Everything starts from the real photos of tests/factories/photos.py, framed
like a 360 x 270 webcam frame. The edits are what an attacker with one photo
does (squashed eyes, dark lips with the chin pulled down, a sideways warp)
and what the genuine-capture synthesizer needs to fill the gaps of the
public photo set: in-between frames of a head movement (a landmark-driven
thin-plate-spline morph between two real photos) and a blink (no public
photo of this person has the eyes shut, so the eyes are painted over with
the skin just below them; see `closed_eyes`).

Needs OpenCV (the test extra), never the production code.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import cv2
import dlib
import numpy as np
from PIL import Image, ImageOps

from registry.face import engine
from tests.factories import photos as P

FRAME_SIZE = (360, 270)
FACE_SHARE = 0.34


@dataclass(frozen=True)
class Face:
    """A framed photo (RGB float32, 0-255) and its 68 landmarks."""

    pixels: np.ndarray
    landmarks: np.ndarray


def landmarks_of(pixels: np.ndarray) -> np.ndarray:
    """dlib's 68 landmarks of the best face (the engine's own detector and predictor)."""
    image = np.ascontiguousarray(np.clip(pixels, 0, 255).astype(np.uint8))
    (left, top, right, bottom), _ = engine.detect(image, 0.0, 0)[0]
    shape = engine.MODELS.get()[1](image, dlib.rectangle(left, top, right, bottom))
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)


def skin_patches(landmarks: np.ndarray) -> list[tuple[float, float, float]]:
    """Centre x, centre y and half size of cheek, nose-bridge and glabella patches (for colour matching)."""
    p = landmarks
    eyes = np.linalg.norm(p[45] - p[36])
    half = 0.09 * eyes
    return [(*(0.4 * p[2] + 0.35 * p[31] + 0.25 * p[40]), half), (*(0.4 * p[14] + 0.35 * p[35] + 0.25 * p[47]), half),
            (*(0.5 * p[28] + 0.5 * p[29]), half * 0.7), (*(p[27] + 0.25 * (p[27] - p[30])), half * 0.8)]


def skin_mean(pixels: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Mean RGB of the skin patches."""
    values = []
    for x, y, half in skin_patches(landmarks):
        x0, x1, y0, y1 = int(x - half), int(x + half) + 1, int(y - half), int(y + half) + 1
        values.append(pixels[max(0, y0):y1, max(0, x0):x1].reshape(-1, 3))
    return np.concatenate(values).mean(axis=0)


@lru_cache(maxsize=1)
def _reference_skin() -> np.ndarray:
    face = _raw_face(*P.FRONTAL)
    return skin_mean(face.pixels, face.landmarks)


@lru_cache(maxsize=16)
def _raw_face(name: str, mirror: bool) -> Face:
    pixels = np.asarray(P.camera_frame(name, mirror, FRAME_SIZE, FACE_SHARE), dtype=np.float32)
    return Face(pixels, landmarks_of(pixels))


@lru_cache(maxsize=16)
def framed(name: str, mirror: bool = False, *, same_camera: bool = True) -> Face:
    """A photo framed as a webcam frame; same_camera matches its skin colour to obama.jpg's.

    The three Obama photos were taken by different cameras under different
    light: in one capture of one person by one camera their colour casts
    would not differ, so the synthesizer evens them out (a per-channel gain).
    """
    face = _raw_face(name, mirror)
    if not same_camera or (name, mirror) == P.FRONTAL:
        return face
    gain = _reference_skin() / skin_mean(face.pixels, face.landmarks)
    return Face(np.clip(face.pixels * gain, 0, 255).astype(np.float32), face.landmarks)


def _border_points(width: int, height: int) -> np.ndarray:
    xs, ys = [0, width / 2, width - 1], [0, height / 2, height - 1]
    return np.array([(x, y) for x in xs for y in ys if (x, y) != (width / 2, height / 2)], dtype=np.float64)


def _tps_kernel(r2: np.ndarray) -> np.ndarray:
    return np.where(r2 > 0, r2 * np.log(np.maximum(r2, 1e-12)), 0.0)


def warp(pixels: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Move the image content at `source` points to `target` points (thin-plate spline, frame edges fixed)."""
    height, width = pixels.shape[:2]
    border = _border_points(width, height)
    dst = np.vstack([target, border]) / 100.0  # scaled for a well-conditioned system
    src = np.vstack([source, border]) / 100.0
    n = len(dst)
    kernel = _tps_kernel(((dst[:, None, :] - dst[None, :, :]) ** 2).sum(axis=2))
    affine = np.hstack([np.ones((n, 1)), dst])
    system = np.zeros((n + 3, n + 3))
    system[:n, :n] = kernel + 1e-6 * np.eye(n)
    system[:n, n:], system[n:, :n] = affine, affine.T
    coefficients = np.linalg.solve(system, np.vstack([src, np.zeros((3, 2))]))
    # Evaluate the inverse map on a coarse grid, then interpolate it (corners aligned) to every pixel.
    step = 4
    gy, gx = np.mgrid[0:height + step:step, 0:width + step:step].astype(np.float64)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1) / 100.0
    values = _tps_kernel(((grid[:, None, :] - dst[None, :, :]) ** 2).sum(axis=2)) @ coefficients[:n]
    values += np.hstack([np.ones((len(grid), 1)), grid]) @ coefficients[n:]
    values *= 100.0
    py, px = np.mgrid[0:height, 0:width].astype(np.float32) / step
    map_x = cv2.remap(values[:, 0].reshape(gx.shape).astype(np.float32), px, py, cv2.INTER_LINEAR)
    map_y = cv2.remap(values[:, 1].reshape(gx.shape).astype(np.float32), px, py, cv2.INTER_LINEAR)
    return cv2.remap(pixels.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def morph(a: Face, b: Face, share: float) -> Face:
    """The in-between picture `share` of the way from a to b: both warped to the blended landmarks, then mixed."""
    if share <= 0:
        return a
    if share >= 1:
        return b
    target = (1 - share) * a.landmarks + share * b.landmarks
    mixed = (1 - share) * warp(a.pixels, a.landmarks, target) + share * warp(b.pixels, b.landmarks, target)
    return Face(mixed.astype(np.float32), target)


def _feathered_mask(shape: tuple[int, int], polygon: np.ndarray, blur: float) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.float32)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1.0)
    return cv2.GaussianBlur(mask, (0, 0), blur)[..., None]


def _crop_box(image: Image.Image, size: tuple[int, int], face_share: float) -> tuple[int, int, int, int]:
    """The crop photos.camera_frame takes around the face (the same arithmetic, for an edited photo)."""
    (left, top, right, bottom), _ = engine.detect(np.asarray(image), 0.3, 0)[0]
    cx, cy, width = (left + right) / 2, (top + bottom) / 2, right - left
    crop_w = width / face_share
    crop_h = crop_w * size[1] / size[0]
    return int(cx - crop_w / 2), int(cy - crop_h / 2), int(cx + crop_w / 2), int(cy + crop_h / 2)


@lru_cache(maxsize=4)
def closed_eyes(name: str = "obama.jpg", mirror: bool = False) -> Face:
    """The photo with both eyes shut: a careful eye-region edit, since no public photo of him blinks.

    Done on the photo at its own resolution (the eyes are 40-odd pixels wide
    there, not 12 as in a 360-pixel frame), then framed like every other
    frame: inside each eye the opening is covered with the skin just below
    the eye, moved up and feathered (the skin above is the brow's shadow),
    with a dark line of lashes where the lids meet. dlib's eye aspect ratio
    on the framed result is 0.09 (0.22 on the unedited, smiling photo). The
    landmarks are dlib's on the framed result.
    """
    original = Image.open(io.BytesIO(P.photo_bytes()[name])).convert("RGB")
    if mirror:
        original = ImageOps.mirror(original)
    box = _crop_box(original, FRAME_SIZE, FACE_SHARE)
    source = np.asarray(original, dtype=np.float32)
    p = landmarks_of(source)
    pixels = source.copy()
    for start in (36, 42):
        eye = p[start:start + 6]
        width = float(np.linalg.norm(eye[3] - eye[0]))
        centre = eye.mean(axis=0)
        region = centre + (eye - centre) * np.array([1.2, 1.8])
        # The lid skin: the skin just below the eye, moved up over it (the skin above is the brow's shadow).
        lid = np.roll(source, -int(round(0.35 * width)), axis=0)
        mask = _feathered_mask(pixels.shape[:2], region, max(1.0, width * 0.05))
        pixels = pixels * (1 - mask) + lid * mask
        lash = np.array([eye[0], (eye[5] + eye[1]) / 2, (eye[4] + eye[2]) / 2, eye[3]])
        line = np.zeros(pixels.shape[:2], dtype=np.float32)
        cv2.polylines(line, [np.round(lash).astype(np.int32)], False, 1.0, max(1, int(width * 0.08)), cv2.LINE_AA)
        line = cv2.GaussianBlur(line, (0, 0), max(0.8, width * 0.02))[..., None]
        pixels = pixels * (1 - 0.8 * line) + 25.0 * 0.8 * line
    edited = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).crop(box)
    framed_pixels = np.asarray(edited.resize(FRAME_SIZE, Image.Resampling.LANCZOS), dtype=np.float32)
    face = framed(name, mirror)
    gain = _reference_skin() / skin_mean(face.pixels if (name, mirror) == P.FRONTAL else _raw_face(name, mirror).pixels,
                                          face.landmarks)
    framed_pixels = np.clip(framed_pixels * gain, 0, 255).astype(np.float32)
    return Face(framed_pixels, landmarks_of(framed_pixels))


# --- an attacker's edits of one photo ----------------------------------------

def squashed_eyes(face: Face) -> Face:
    """Eyes squashed shut by a warp (upper lids pulled down, lower lids up): the crude blink edit."""
    target = face.landmarks.copy()
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        middle = (face.landmarks[upper] + face.landmarks[lower]) / 2
        target[upper] = middle - [0, 0.5]
        target[lower] = middle + [0, 0.5]
    return Face(warp(face.pixels, face.landmarks, target), target)


def open_mouth_edit(face: Face) -> Face:
    """Dark lips and the chin pulled down: the crude open-mouth edit."""
    p = face.landmarks
    drop = 0.22 * np.linalg.norm(p[8] - p[27])
    target = p.copy()
    lower = [5, 6, 7, 8, 9, 10, 11, 55, 56, 57, 58, 59, 65, 66, 67]
    target[lower, 1] += drop * np.array([0.3, 0.6, 0.85, 1, 0.85, 0.6, 0.3, 1, 1, 1, 1, 1, 1, 1, 1])
    pixels = warp(face.pixels, p, target)
    inner = np.array([target[60], target[61], target[62], target[63], target[64], target[65], target[66], target[67]])
    centre = inner.mean(axis=0)
    mouth = centre + (inner - centre) * np.array([1.0, 1.6])
    mask = _feathered_mask(pixels.shape[:2], mouth, 1.5)
    pixels = pixels * (1 - 0.8 * mask) + np.array([40.0, 20.0, 20.0]) * 0.8 * mask
    return Face(pixels.astype(np.float32), target)


def sideways(face: Face, share: float) -> Face:
    """The middle of the face (eyes, nose, mouth) pushed sideways against the jaw: the crude turn edit.

    share > 0 moves it towards the image's right edge (reads as a turn to the person's left).
    """
    p = face.landmarks
    shift = share * np.linalg.norm(p[16] - p[0])
    target = p.copy()
    target[17:68, 0] += shift
    target[[0, 1, 2, 14, 15, 16], 0] += shift * 0.15
    return Face(warp(face.pixels, p, target), target)


def similarity(pixels: np.ndarray, dx: float, dy: float, angle: float, scale: float) -> np.ndarray:
    """The picture moved, turned (degrees) and scaled about its centre: a hand or a head moving slightly."""
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
    matrix[:, 2] += (dx, dy)
    return cv2.warpAffine(pixels.astype(np.float32), matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def jpeg(pixels: np.ndarray, quality: int) -> bytes:
    """JPEG bytes (4:2:0, as browsers encode camera frames) of an RGB float or uint8 array."""
    image = np.clip(np.round(pixels), 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()
