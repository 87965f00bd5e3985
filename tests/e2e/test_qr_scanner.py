"""The QR scanner component in Chromium: a fake camera filming a QR code made by
registry.qr, a photo of one uploaded instead, and the printed code typed by hand.

Each camera video is 1 s of blank white (the scanner must keep trying) then
3 s of the QR code; Chromium loops it. Headless Chromium on Linux has no
BarcodeDetector, so these runs decode with the vendored jsQR.
"""
from __future__ import annotations

import datetime as dt
import io
import os
from urllib.parse import quote

import pytest
from PIL import Image, ImageFilter

from registry.core import qr
from registry.core.signing import KeyRing
from registry.core.tokens import issue
from tests.e2e import qr_support as support

pytestmark = pytest.mark.e2e

JWS_IN_TEXT = r"([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$"


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    ring = KeyRing(tmp_path_factory.mktemp("qr-e2e-ring") / "ring")
    return issue(ring, {"cid": "Zx3kQ9rT0pLm2NvB7cYw1A"}, dt.timedelta(minutes=5), "cert+jws")


@pytest.fixture(scope="module")
def live():
    if not os.path.exists(support.CHROMIUM):
        pytest.fail(f"{support.CHROMIUM} is missing: install Debian's chromium package")
    with support.LiveServer(support.build_app()) as server:
        yield server


@pytest.fixture(autouse=True)
def forget_posts(live):
    live.app.received.clear()


def video_of(tmp_path, text: str):
    blank = Image.new("L", (support.WIDTH, support.HEIGHT), 255)
    frame = support.camera_frame(qr.render_png(text, scale=5))
    return support.write_y4m(tmp_path / "camera.y4m", [(blank, 10), (frame, 30)])


def open_scanner(browser, url, refuse_camera=False):
    context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860})
    if refuse_camera:
        context.add_init_script("""
            navigator.mediaDevices.getUserMedia = () =>
                Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
        """)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(url)
    return context, page


def test_camera_scan_posts_the_token(live, token, tmp_path, artifacts):
    def scenario(browser):
        context, page = open_scanner(browser, live.url + "/")
        try:
            page.get_by_test_id("qr-start").click()
            page.wait_for_url("**/receive")
            received = page.get_by_test_id("received").text_content()
            return received
        finally:
            context.close()

    received = support.run_in_browser(video_of(tmp_path, token), scenario)
    assert received == token
    [posted] = live.app.received
    assert posted["token"] == token and posted["scan_source"] == "camera" and posted["next"] == "/after"
    assert "code" not in posted  # a decoded token never comes with a typed code


def test_foreign_qr_is_refused_and_camera_keeps_scanning(live, tmp_path, artifacts):
    def scenario(browser):
        context, page = open_scanner(browser, f"{live.url}/?pattern={quote(JWS_IN_TEXT)}")
        try:
            page.get_by_test_id("qr-start").click()
            page.wait_for_selector("[data-qr-scanner][data-state=wrong-code]")
            page.wait_for_function("document.querySelector('.qr-video').videoWidth > 0")
            page.screenshot(path=str(artifacts / "qr-scanner-camera.png"), full_page=True)
            streaming = page.evaluate("document.querySelector('.qr-video').srcObject !== null")
            return page.get_by_test_id("qr-prompt").text_content(), streaming, page.url
        finally:
            context.close()

    prompt, streaming, url = support.run_in_browser(video_of(tmp_path, "https://example.cn/promo"), scenario)
    assert prompt and streaming and "/receive" not in url
    assert live.app.received == []


def test_pattern_group_and_callback_instead_of_submit(live, token, tmp_path):
    def scenario(browser):
        url = f"{live.url}/?pattern={quote(JWS_IN_TEXT)}&callback=noteDecoded"
        context, page = open_scanner(browser, url)
        try:
            events = page.evaluate_handle("""() => { const seen = [];
                document.addEventListener('qr:decoded', e => seen.push(e.detail)); return seen; }""")
            page.get_by_test_id("qr-start").click()
            page.wait_for_function("window.decoded !== undefined")
            decoded = page.evaluate("window.decoded")
            camera_stopped = page.evaluate("document.querySelector('.qr-video').srcObject === null")
            decoder = page.get_attribute("[data-qr-scanner]", "data-decoder")
            return decoded, events.json_value(), camera_stopped, decoder
        finally:
            context.close()

    video = video_of(tmp_path, "https://registry.example.cn/c#" + token)
    decoded, events, camera_stopped, decoder = support.run_in_browser(video, scenario)
    assert decoded == {"text": token, "source": "camera"}
    assert events == [{"text": token, "source": "camera"}]
    assert camera_stopped and decoder in ("jsqr", "barcode-detector")
    assert live.app.received == []


def photo_of(token: str) -> bytes:
    """A phone-like photo: the code small, tilted and soft in a large grey JPEG."""
    code = Image.open(io.BytesIO(qr.render_png(token, scale=10))).convert("L").rotate(
        8, expand=True, fillcolor=255)
    photo = Image.new("L", (3000, 2250), 170)
    photo.paste(code, (1100, 600))
    out = io.BytesIO()
    photo.filter(ImageFilter.GaussianBlur(2)).save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_photo_upload_when_the_camera_is_refused(live, token, tmp_path, artifacts):
    def scenario(browser):
        context, page = open_scanner(browser, live.url + "/", refuse_camera=True)
        try:
            page.get_by_test_id("qr-start").click()
            page.wait_for_selector("[data-qr-scanner][data-state=no-camera]")
            page.screenshot(path=str(artifacts / "qr-scanner-no-camera.png"), full_page=True)
            # A photo without a code is reported and the page stays put.
            blank = io.BytesIO()
            Image.new("L", (800, 600), 200).save(blank, format="PNG")
            page.get_by_test_id("qr-file").set_input_files(
                {"name": "blank.png", "mimeType": "image/png", "buffer": blank.getvalue()})
            page.wait_for_selector("[data-qr-scanner][data-state=not-found]")
            page.get_by_test_id("qr-file").set_input_files(
                {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo_of(token)})
            page.wait_for_url("**/receive")
            return page.get_by_test_id("received").text_content()
        finally:
            context.close()

    assert support.run_in_browser(video_of(tmp_path, token), scenario) == token
    [posted] = live.app.received
    assert posted["token"] == token and posted["scan_source"] == "photo"


def test_plain_png_upload(live, token, tmp_path):
    def scenario(browser):
        context, page = open_scanner(browser, live.url + "/")
        try:
            page.get_by_test_id("qr-file").set_input_files(
                {"name": "qr.png", "mimeType": "image/png", "buffer": qr.render_png(token)})
            page.wait_for_url("**/receive")
            return page.get_by_test_id("received").text_content()
        finally:
            context.close()

    assert support.run_in_browser(video_of(tmp_path, token), scenario) == token


def test_manual_code_entry(live, tmp_path):
    code = qr.new_fallback_code()
    typed = qr.format_fallback_code(code).lower().replace("-", " - ")

    def scenario(browser):
        context, page = open_scanner(browser, live.url + "/")
        try:
            page.get_by_test_id("qr-code").fill(typed)
            page.get_by_test_id("qr-submit-code").click()
            page.wait_for_url("**/receive")
            return page.get_by_test_id("received").text_content()
        finally:
            context.close()

    assert support.run_in_browser(video_of(tmp_path, "unused"), scenario) == typed
    [posted] = live.app.received
    assert posted["code"] == typed and posted["scan_source"] == "manual" and "token" not in posted
    assert qr.normalize_fallback_code(posted["code"]) == code
