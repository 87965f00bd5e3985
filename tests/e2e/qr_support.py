"""Support for the QR scanner browser test: a fake-camera video of a QR code, a
tiny Flask app that shows the scanner and records what it posts, and a
Chromium whose camera films the video.

The app is built here rather than taken from create_app: the component must
work on any page with a CSRF meta tag, and a bare app proves it needs nothing
else (real Flask-WTF CSRF and Flask-Babel are still on).
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
from flask import Flask, render_template_string, request
from flask_babel import Babel
from flask_wtf import CSRFProtect
from jinja2 import FileSystemLoader
from PIL import Image

from registry.web.security import allow_camera
from tests.e2e.browser_support import CHROMIUM, FPS, LiveServer, run_in_browser, write_y4m  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
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
    code = Image.open(BytesIO(qr_png)).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    return Image.fromarray((np.asarray(frame, dtype=np.float32) * 0.8 + 30).astype(np.uint8))


def build_app():
    """A bare Flask app: the scanner page at /, the form target at /receive, posts kept in app.received."""
    app = Flask(__name__, static_folder=str(ROOT / "static"))
    app.config.update(SECRET_KEY="qr-scanner-test", BABEL_DEFAULT_LOCALE="zh",
                      BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "registry" / "translations"))
    app.jinja_loader = FileSystemLoader(str(ROOT / "registry" / "templates"))
    Babel(app)
    CSRFProtect(app)
    app.add_template_global(allow_camera)  # the partial marks its page as one that may use the camera
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
