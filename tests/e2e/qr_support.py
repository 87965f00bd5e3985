"""Support for the QR scanner browser test: a fake-camera video of a QR code, a
tiny Flask app that shows the scanner and records what it posts, and a
Chromium whose camera films the video.

The app is built here rather than taken from create_app: the component must
work on any page with a CSRF meta tag, and a bare app proves it needs nothing
else (real Flask-WTF CSRF and Flask-Babel are still on).
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FPS = 10
WIDTH, HEIGHT = 640, 480

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{ csrf_token() }}">
<link rel="stylesheet" href="{{ url_for('static', filename='css/app.css') }}">
<title>QR scanner test page</title></head>
<body><main class="page">
{% from "qr/_scanner.html" import qr_scanner %}
{{ qr_scanner(url_for("receive"), pattern=request.args.get("pattern"), on_decode=request.args.get("callback"),
              hidden={"next": "/after"}) }}
<script>window.noteDecoded = function (text, source) { window.decoded = {text: text, source: source}; };</script>
</main></body></html>"""

RESULT = """<!doctype html><html><body><h1 data-testid="received">{{ value }}</h1></body></html>"""


def camera_frame(qr_png: bytes) -> Image.Image:
    """The QR image centred on white at camera size, in camera-like greys rather than pure black and white."""
    from io import BytesIO

    code = Image.open(BytesIO(qr_png)).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    return Image.fromarray((np.asarray(frame, dtype=np.float32) * 0.8 + 30).astype(np.uint8))


def write_y4m(path: Path, segments: list[tuple[Image.Image, int]], fps: int = FPS) -> Path:
    """A raw YUV 4:2:0 video, Chromium's fake-camera format: each greyscale image held for n frames.

    Grey pixels have Y = the grey level and neutral chroma (128) in the
    full-range (JPEG) YCbCr that C420jpeg names.
    """
    chroma = np.full((HEIGHT // 2) * (WIDTH // 2), 128, dtype=np.uint8).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for image, count in segments:
            luma = np.asarray(image.convert("L").resize((WIDTH, HEIGHT)), dtype=np.uint8).tobytes()
            out.writelines(b"FRAME\n" + luma + chroma + chroma for _ in range(count))
    return path


def build_app():
    """A bare Flask app: the scanner page at /, the form target at /receive, posts kept in app.received."""
    from flask import Flask, render_template_string, request
    from flask_babel import Babel
    from flask_wtf import CSRFProtect
    from jinja2 import FileSystemLoader

    app = Flask(__name__, static_folder=str(ROOT / "static"))
    app.config.update(SECRET_KEY="qr-scanner-test", BABEL_DEFAULT_LOCALE="zh",
                      BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "registry" / "translations"))
    app.jinja_loader = FileSystemLoader(str(ROOT / "registry" / "templates"))
    Babel(app)
    CSRFProtect(app)
    app.received = []

    @app.get("/")
    def scanner_page():
        return render_template_string(PAGE)

    @app.post("/receive")
    def receive():
        # CSRFProtect has already refused a post without a valid token.
        form = request.form.to_dict()
        app.received.append(form)
        return render_template_string(RESULT, value=form.get("token") or form.get("code") or "")

    return app


class LiveServer:
    """The app served from a thread on an ephemeral 127.0.0.1 port."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


def run_in_browser(video: Path, scenario: Callable, timeout: float = 90.0):
    """Run scenario(browser) in a worker thread with Chromium filming `video` as its camera.

    A thread of its own because the session-wide Playwright of other e2e tests
    may already own this thread's event loop.
    """
    results: queue.Queue = queue.Queue()

    def work():
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                    "--no-sandbox", "--disable-background-networking", "--disable-gpu",
                    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-video-capture={video}"])
                try:
                    results.put(("ok", scenario(browser)))
                finally:
                    browser.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            results.put(("error", exc))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError("the browser scenario did not finish")
    kind, value = results.get_nowait()
    if kind == "error":
        raise value
    return value
