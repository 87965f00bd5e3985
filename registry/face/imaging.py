"""Turning uploaded bytes into pixels safely.

Uploads are hostile until proven otherwise: the format is sniffed from the
bytes (never the file name or the declared type), the pixel count is checked
from the header before anything is decoded (decompression bombs), and every
decoder failure becomes a named refusal instead of an exception.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

FRAME_FORMATS = ("JPEG", "PNG", "WEBP")
# Chip photos (DG2) are JPEG or JPEG 2000.
REFERENCE_FORMATS = ("JPEG", "PNG", "WEBP", "JPEG2000")


class ImageRejected(Exception):
    """An upload that cannot be used; `reason` is a stable code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def decode_image(data: bytes, *, formats: tuple[str, ...], max_bytes: int, max_pixels: int,
                 max_side: int) -> np.ndarray:
    """Decode to an RGB uint8 array no larger than max_side, or raise ImageRejected.

    Reasons: empty_image, image_too_large, unsupported_format, corrupt_image,
    image_too_many_pixels.
    """
    if not data:
        raise ImageRejected("empty_image")
    if len(data) > max_bytes:
        raise ImageRejected("image_too_large")
    with warnings.catch_warnings():
        # Pillow warns (and our test settings turn warnings into errors) on
        # big images; we apply our own, stricter limit below instead.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(formats))
        except Image.UnidentifiedImageError:
            # A known signature that the decoder still cannot read is damage, not a wrong format.
            raise ImageRejected("corrupt_image" if _known_signature(data, formats) else "unsupported_format") from None
        except Image.DecompressionBombError:
            raise ImageRejected("image_too_many_pixels") from None
        except Exception:  # noqa: BLE001 - any decoder failure is a corrupt upload
            raise ImageRejected("corrupt_image") from None
        width, height = image.size
        if width <= 0 or height <= 0:
            raise ImageRejected("corrupt_image")
        if width * height > max_pixels:
            raise ImageRejected("image_too_many_pixels")
        try:
            if image.format == "JPEG":
                # Let libjpeg scale down while decoding: far cheaper than resizing later.
                image.draft("RGB", (max_side, max_side))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
        except Image.DecompressionBombError:
            raise ImageRejected("image_too_many_pixels") from None
        except Exception:  # noqa: BLE001 - truncated data, bad tables, odd modes
            raise ImageRejected("corrupt_image") from None
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


_SIGNATURES = {
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "WEBP": (b"RIFF",),
    "JPEG2000": (b"\x00\x00\x00\x0cjP  ", b"\xff\x4f\xff\x51"),
}


def _known_signature(data: bytes, formats: tuple[str, ...]) -> bool:
    return any(data.startswith(magic) for fmt in formats for magic in _SIGNATURES.get(fmt, ()))


def enlarge_small(pixels: np.ndarray, min_side: int) -> np.ndarray:
    """Scale a small picture up (whole factors, Lanczos) until its short side reaches min_side.

    A Chinese resident ID card's photo is 102 x 126 pixels and an ICAO chip
    photo can be little more: the face in it is narrower than the detector's
    and the quality gates' minimum. The descriptor is computed from a
    150-pixel aligned chip either way, so enlarging loses nothing the photo
    had; it only lets the detector find the face.
    """
    height, width = pixels.shape[:2]
    short = min(height, width)
    if short >= min_side or short == 0:
        return pixels
    factor = -(-min_side // short)
    picture = Image.fromarray(pixels).resize((width * factor, height * factor), Image.Resampling.LANCZOS)
    return np.asarray(picture)


def to_jpeg(pixels, quality: int = 90) -> bytes:
    """JPEG bytes of an RGB pixel array."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
