"""QR rendering (decoded back with OpenCV) and the typed fallback code."""
from __future__ import annotations

import datetime as dt
import io
import random
import re
import threading
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import qrcode
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from registry.core import qr
from registry.core.signing import KeyRing
from registry.core.tokens import issue

cv2 = pytest.importorskip("cv2", reason="opencv-python-headless (test extra) decodes the rendered QR codes")

ALPHABET = qr.FALLBACK_ALPHABET


@pytest.fixture(autouse=True)
def fresh_cache():
    qr.clear_cache()
    yield
    qr.clear_cache()


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    ring = KeyRing(tmp_path_factory.mktemp("qr-ring") / "ring")
    return issue(ring, {"cid": "0123456789abcdefghijkl"}, dt.timedelta(minutes=5), "cert+jws")


def decode(image: np.ndarray) -> str:
    # OpenCV's classic detector misses a few clean, large codes; the ArUco-based
    # one is steadier. Either reading the exact text is a pass.
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        text, _points, _ = detector.detectAndDecode(image)
        if text:
            return text
    return ""


def png_pixels(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)


def svg_pixels(svg: str, scale: int = 6) -> np.ndarray:
    """Rasterise our own SVG (a viewBox and a path of h/v runs) without a browser."""
    root = ET.fromstring(svg)
    size = int(root.get("viewBox").split()[2])
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    grid = np.zeros((size, size), dtype=bool)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path):
        grid[int(y), int(x):int(x) + int(width)] = True
    return np.kron(np.where(grid, 0, 255).astype(np.uint8), np.ones((scale, scale), dtype=np.uint8))


def test_png_round_trip_of_a_real_token(token):
    data = qr.render_png(token, scale=6)
    assert data.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(data)).mode == "1"
    assert decode(png_pixels(data)) == token


def test_svg_round_trip_of_a_real_token(token):
    svg = qr.render_svg(token)
    assert svg.startswith("<svg ") and "<?xml" not in svg and token not in svg
    assert decode(svg_pixels(svg)) == token


@pytest.mark.parametrize("text", ["A", "https://example.cn/c?t=1", "家政服务信用", "x" * 500])
def test_round_trip_of_assorted_text(text):
    assert decode(png_pixels(qr.render_png(text, scale=4))) == text


def test_error_correction_m_and_pixels_match_qrcode_own_renderer(token):
    reference = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=5, border=4)
    reference.add_data(token)
    reference.make(fit=True)
    expected = io.BytesIO()
    reference.make_image().save(expected)
    assert np.array_equal(png_pixels(qr.render_png(token, scale=5)), png_pixels(expected.getvalue()))
    assert qr.qr_matrix(token).shape[0] == reference.modules_count + 8


def test_png_size_follows_scale_and_border(token):
    modules = qr.qr_matrix(token, border=2).shape[0]
    assert Image.open(io.BytesIO(qr.render_png(token, scale=3, border=2))).size == (3 * modules, 3 * modules)


def test_svg_size_attribute_is_optional_and_checked(token):
    assert 'width="240px"' in qr.render_svg(token, size="240px")
    with pytest.raises(ValueError):
        qr.render_svg(token, size='1" onload="alert(1)')


def test_repeat_renders_come_from_the_cache_and_are_identical(token):
    first_png, first_svg = qr.render_png(token), qr.render_svg(token)
    assert qr.render_png(token) is first_png and qr.render_svg(token) is first_svg
    info = qr.cache_info()
    assert info["png"].hits == 1 and info["svg"].hits == 1 and info["matrix"].misses == 1


def test_the_shared_matrix_cannot_be_altered(token):
    with pytest.raises(ValueError):
        qr.qr_matrix(token)[0, 0] = True


def test_concurrent_renders_agree(token):
    texts = [f"{token}{i % 7}" for i in range(84)]
    results: dict[int, bytes] = {}

    def render(index: int) -> None:
        results[index] = qr.render_png(texts[index])

    threads = [threading.Thread(target=render, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    qr.clear_cache()
    assert all(results[i] == qr.render_png(texts[i]) for i in range(len(texts)))


@pytest.mark.parametrize("bad", ["", None, b"bytes", "x" * (qr.MAX_TEXT_LENGTH + 1)])
def test_unrenderable_text_is_refused(bad):
    with pytest.raises(qr.QRTextError):
        qr.render_png(bad)
    with pytest.raises(qr.QRTextError):
        qr.render_svg(bad)


def test_scale_is_bounded(token):
    with pytest.raises(ValueError):
        qr.render_png(token, scale=0)


# --- fallback codes ----------------------------------------------------------

lengths = st.sampled_from(qr.FALLBACK_CODE_LENGTHS)
bodies = lengths.flatmap(lambda n: st.text(alphabet=ALPHABET, min_size=n - 1, max_size=n - 1))


def with_check(body: str) -> str:
    return body + qr.fallback_check_character(body)


@given(lengths)
def test_new_codes_are_valid_and_canonical(length):
    code = qr.new_fallback_code(length)
    assert len(code) == length and set(code) <= set(ALPHABET)
    assert not set(code) & set("ILOU")
    assert qr.normalize_fallback_code(code) == code


def test_default_length_and_bad_length():
    assert len(qr.new_fallback_code()) == 10
    with pytest.raises(ValueError):
        qr.new_fallback_code(7)


@given(bodies, st.data())
def test_sloppy_typing_is_accepted(body, data):
    code = with_check(body)
    typed = "".join(
        data.draw(st.sampled_from([c, c.lower(), f" {c}", f"{c}-", "O" if c == "0" else c,
                                   "o" if c == "0" else c, "I" if c == "1" else c, "l" if c == "1" else c,
                                   chr(ord(c) + 0xFEE0)]))  # full-width, as Chinese IMEs type
        for c in code)
    assert qr.normalize_fallback_code(typed) == code
    assert qr.normalize_fallback_code(qr.format_fallback_code(code)) == code


@given(bodies, st.data())
def test_every_single_wrong_character_is_caught(body, data):
    code = with_check(body)
    position = data.draw(st.integers(0, len(code) - 1))
    wrong = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != code[position]))
    with pytest.raises(qr.FallbackCodeError) as info:
        qr.normalize_fallback_code(code[:position] + wrong + code[position + 1:])
    assert info.value.reason == "check"


@given(bodies, st.data())
def test_every_swap_of_two_different_characters_is_caught(body, data):
    code = with_check(body)
    i = data.draw(st.integers(0, len(code) - 2))
    j = data.draw(st.integers(i + 1, len(code) - 1))
    if code[i] == code[j]:
        return
    swapped = list(code)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    with pytest.raises(qr.FallbackCodeError) as info:
        qr.normalize_fallback_code("".join(swapped))
    assert info.value.reason == "check"


@given(bodies, st.data())
def test_with_the_issued_length_every_dropped_or_extra_character_is_caught(body, data):
    code = with_check(body)
    position = data.draw(st.integers(0, len(code) - 1))
    extra = data.draw(st.sampled_from(ALPHABET))
    for typed in (code[:position] + code[position + 1:], code[:position] + extra + code[position:]):
        with pytest.raises(qr.FallbackCodeError) as info:
            qr.normalize_fallback_code(typed, length=len(code))
        assert info.value.reason == "length"


def test_without_a_length_most_dropped_or_extra_characters_are_still_caught():
    # A check character can only catch these by chance (about 31 in 32).
    chooser = random.Random(7)
    slipped = 0
    for _ in range(2000):
        code = with_check("".join(chooser.choice(ALPHABET) for _ in range(9)))
        position = chooser.randrange(10)
        typed = code[:position] + code[position + 1:]
        if chooser.random() < 0.5:
            typed = code[:position] + "0" + code[position:-1]  # an extra 0 and the end cut off stays 10 long
        try:
            qr.normalize_fallback_code(typed)
            slipped += 1
        except qr.FallbackCodeError:
            pass
    assert slipped < 2000 * 0.06


def test_the_trailing_zero_of_an_all_zero_code_does_not_make_a_longer_valid_code():
    code = with_check("0" * 8)
    with pytest.raises(qr.FallbackCodeError):
        qr.normalize_fallback_code(code + "0")


@pytest.mark.parametrize("typed, reason", [
    ("ABCD-EFG", "length"), ("ABCDEFGHJKMN", "length"), ("ABCD EFGH U", "character"),
    ("ABCD#EFGH", "character"), ("信用证书信用证书", "character"), ("A" * 100, "length"), (None, "length"),
])
def test_refusals_name_their_reason(typed, reason):
    with pytest.raises(qr.FallbackCodeError) as info:
        qr.normalize_fallback_code(typed)
    assert info.value.reason == reason and str(info.value)
    assert isinstance(info.value, ValueError)
