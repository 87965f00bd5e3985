"""Real test photos, fetched from the package index into a cache, never committed.

* face_recognition 1.3.0's source distribution ships tests/test_images/:
  obama.jpg (frontal, smiling), obama2.jpg (head turned to his right about
  23 degrees, mouth open), obama3.jpg (turned slightly to his left, mouth
  closed), two crops of obama.jpg and biden.jpg. They are official press
  photos whose metadata restricts reproduction, hence download, not commit.
* scikit-image's wheel ships skimage/data/astronaut.png (public domain).

Also used by bench/face_check.py and the browser test.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from registry.face import engine

CACHE = Path(os.environ.get("REGISTRY_TEST_DATA_CACHE", Path.home() / ".cache" / "registry-test-data"))
FACE_SDIST = "face_recognition==1.3.0"
SKIMAGE_WHEEL = "scikit-image==0.26.0"
FACE_NAMES = ("obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg",
              "biden.jpg")


class TestDataUnavailable(RuntimeError):
    """The package index could not be reached and nothing is cached."""


def _pip_download(requirement: str, *extra: str) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "-q", "-d", str(CACHE), *extra, requirement]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TestDataUnavailable(f"pip download {requirement} failed: {exc}") from None
    if result.returncode != 0:
        raise TestDataUnavailable(f"pip download {requirement} failed: {result.stderr.strip()[-300:]}")


def _find(pattern: str) -> Path | None:
    found = sorted(CACHE.glob(pattern))
    return found[-1] if found else None


@lru_cache(maxsize=1)
def photo_bytes() -> dict[str, bytes]:
    """Every test photo by file name, downloading what is not cached yet."""
    sdist = _find("face_recognition-1.3.0.tar.gz")
    if sdist is None:
        _pip_download(FACE_SDIST, "--no-binary", ":all:")
        sdist = _find("face_recognition-1.3.0.tar.gz")
    wheel = _find("scikit_image-0.26.0-*.whl")
    if wheel is None:
        _pip_download(SKIMAGE_WHEEL, "--only-binary", ":all:")
        wheel = _find("scikit_image-0.26.0-*.whl")
    if sdist is None or wheel is None:
        raise TestDataUnavailable("the downloads did not produce the expected files")
    photos: dict[str, bytes] = {}
    with tarfile.open(sdist) as archive:
        for name in FACE_NAMES:
            member = archive.extractfile(f"face_recognition-1.3.0/tests/test_images/{name}")
            photos[name] = member.read()
    with zipfile.ZipFile(wheel) as archive:
        photos["astronaut.png"] = archive.read("skimage/data/astronaut.png")
    return photos


def photo_path(name: str) -> Path:
    """A cached photo as a file (for tools that want a path)."""
    folder = CACHE / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        path.write_bytes(photo_bytes()[name])
    return path


def _face_box(image: Image.Image) -> tuple[float, float, float]:
    """Centre x, centre y and width of the best face (dlib, as the engine sees it)."""
    faces = engine.detect(np.asarray(image), 0.3, 0)
    (left, top, right, bottom), _ = faces[0]
    return (left + right) / 2, (top + bottom) / 2, right - left


@lru_cache(maxsize=64)
def camera_frame(name: str, mirror: bool = False, size: tuple[int, int] = (640, 480),
                 face_share: float = 0.32) -> Image.Image:
    """A webcam-like frame from a photo: cropped around the face, 4:3, face about a third as wide.

    mirror=True flips the photo left to right, which turns a head turned to
    the person's right into one turned to their left.
    """
    image = Image.open(io.BytesIO(photo_bytes()[name])).convert("RGB")
    if mirror:
        image = ImageOps.mirror(image)
    cx, cy, width = _face_box(image)
    crop_w = width / face_share
    crop_h = crop_w * size[1] / size[0]
    box = (int(cx - crop_w / 2), int(cy - crop_h / 2), int(cx + crop_w / 2), int(cy + crop_h / 2))
    return image.crop(box).resize(size, Image.Resampling.LANCZOS)


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    """JPEG bytes, as the browser component uploads them."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


# What each composed frame shows (used to build liveness sequences).
FRONTAL = ("obama.jpg", False)          # looking at the camera, smiling, mouth nearly closed
TURNED_RIGHT = ("obama2.jpg", False)    # head turned to his right, mouth open
TURNED_LEFT = ("obama3.jpg", False)     # head turned to his left, mouth closed
TURNED_LEFT_MOUTH_OPEN = ("obama2.jpg", True)   # obama2 mirrored
TURNED_RIGHT_MOUTH_CLOSED = ("obama3.jpg", True)  # obama3 mirrored
OTHER_PERSON = ("biden.jpg", False)


def frames(*poses: tuple[str, bool]) -> list[bytes]:
    """JPEG frames for a sequence of poses."""
    return [jpeg(camera_frame(name, mirror)) for name, mirror in poses]
