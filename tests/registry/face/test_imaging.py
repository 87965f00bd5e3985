"""Hostile uploads become named refusals before any pixel reaches dlib."""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from registry.face.imaging import FRAME_FORMATS, REFERENCE_FORMATS, ImageRejected, decode_image

LIMITS = {"max_bytes": 1_500_000, "max_pixels": 16_000_000, "max_side": 640}


def encoded(fmt: str, size=(320, 240), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 128).save(buffer, fmt)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size: the shape of a decompression bomb, without the bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def reason(data: bytes, formats=FRAME_FORMATS, **overrides) -> str:
    with pytest.raises(ImageRejected) as refused:
        decode_image(data, formats=formats, **{**LIMITS, **overrides})
    return refused.value.reason


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_frame_formats_decode_to_rgb(fmt):
    pixels = decode_image(encoded(fmt), formats=FRAME_FORMATS, **LIMITS)
    assert pixels.shape == (240, 320, 3) and pixels.dtype == np.uint8


def test_large_frames_are_scaled_down():
    assert max(decode_image(encoded("JPEG", (1920, 1080)), formats=FRAME_FORMATS, **LIMITS).shape) <= 640


def test_grey_and_alpha_images_become_rgb():
    assert decode_image(encoded("PNG", mode="L"), formats=FRAME_FORMATS, **LIMITS).shape[2] == 3
    assert decode_image(encoded("PNG", mode="RGBA"), formats=FRAME_FORMATS, **LIMITS).shape[2] == 3


def test_jpeg2000_only_for_references():
    data = encoded("JPEG2000")
    assert reason(data) == "unsupported_format"
    assert decode_image(data, formats=REFERENCE_FORMATS, **LIMITS).shape == (240, 320, 3)


@pytest.mark.parametrize("data, expected", [
    (b"", "empty_image"),
    (b"hello, this is not a picture", "unsupported_format"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "unsupported_format"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "unsupported_format"),
    (encoded("GIF"), "unsupported_format"),
    (encoded("BMP"), "unsupported_format"),
    (encoded("TIFF"), "unsupported_format"),
])
def test_wrong_formats_are_named(data, expected):
    assert reason(data) == expected


def test_truncated_and_damaged_jpeg_is_corrupt():
    data = encoded("JPEG", (640, 480))
    assert reason(data[: len(data) // 2]) == "corrupt_image"
    damaged = bytearray(data)
    damaged[200:400] = b"\xff" * 200
    assert reason(bytes(damaged)) in {"corrupt_image"}


@pytest.mark.parametrize("width, height", [(5000, 5000), (60000, 60000)])
def test_decompression_bombs_are_refused_before_decoding(width, height):
    # 25 MP is over our limit; 3.6 GP is over Pillow's own bomb limit too.
    assert reason(png_header_only(width, height)) == "image_too_many_pixels"


def test_oversized_upload_is_refused_by_size():
    assert reason(b"\xff\xd8" + b"\x00" * 2_000_000) == "image_too_large"


_VALID = {fmt: encoded(fmt, (64, 48)) for fmt in ("JPEG", "PNG", "WEBP")}


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(
    st.binary(max_size=2048),
    st.tuples(st.sampled_from(sorted(_VALID)), st.integers(0, 10_000), st.binary(min_size=1, max_size=64)).map(
        lambda t: _VALID[t[0]][: t[1] % len(_VALID[t[0]])] + t[2] + _VALID[t[0]][t[1] % len(_VALID[t[0]]) + len(t[2]):]),
))
def test_any_bytes_decode_or_are_refused_by_name(data):
    # Random bytes and valid images with a stretch overwritten: never an unexpected exception.
    try:
        pixels = decode_image(data, formats=FRAME_FORMATS, **LIMITS)
    except ImageRejected as refused:
        assert refused.reason in {"empty_image", "unsupported_format", "corrupt_image", "image_too_many_pixels",
                                  "image_too_large"}
    else:
        assert pixels.ndim == 3 and pixels.shape[2] == 3
