"""Support for the face-capture browser test: a fake-camera video built from
real photos, a live server on its own database, and a Chromium that films it.

Kept apart from tests/e2e/conftest.py: the fake camera needs its own browser
flags, and the browser runs in a worker thread so it never meets another
Playwright session of the same pytest process.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

from PIL import Image

CHROMIUM = "/usr/bin/chromium"
FPS = 10


def write_y4m(path: Path, segments: list[tuple[Image.Image, int]], fps: int = FPS) -> Path:
    """A raw YUV 4:2:0 video (Chromium's fake-camera format): each image held for n frames."""
    width, height = segments[0][0].size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for image, count in segments:
            y, cb, cr = image.convert("RGB").resize((width, height)).convert("YCbCr").split()
            half = (width // 2, height // 2)
            payload = y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes() \
                + cr.resize(half, Image.Resampling.BOX).tobytes()
            out.writelines(b"FRAME\n" + payload for _ in range(count))
    return path


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


def build_app(tmp_path: Path, **overrides):
    """A fresh app on a temporary SQLite file, migrated by the real migrations."""
    import flask_migrate

    from registry import MIGRATIONS_DIR, create_app
    from tests.conftest import test_settings

    settings = test_settings("sqlite:///" + str(tmp_path / "face-live.sqlite"), str(tmp_path))
    settings.update({"TESTING": False, "PROPAGATE_UNEXPECTED": False, "SMS_RESEND_SECONDS": 0, **overrides})
    app = create_app(settings, instance_path=str(tmp_path))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
    return app


def log_in(context, base_url: str, app, phone: str) -> None:
    """Sign the browser context in through the real SMS-code API (cookies are shared)."""
    import re

    import sqlalchemy as sa

    from registry.accounts.models import SmsMessage
    from registry.crypto import lookup_hash
    from registry.extensions import db

    token = context.request.get(base_url + "/api/v1/session/csrf").json()["csrf_token"]
    headers = {"X-CSRFToken": token}
    sent = context.request.post(base_url + "/api/v1/sms/codes", data={"phone": phone, "purpose": "login"},
                                headers=headers)
    assert sent.status == 202, sent.text()
    with app.app_context():
        body = db.session.scalars(sa.select(SmsMessage.body).where(
            SmsMessage.phone_hash == lookup_hash(phone, "phone")).order_by(SmsMessage.id.desc())).first()
    code = re.search(r"\d{6}", body).group(0)
    answer = context.request.post(base_url + "/api/v1/session", data={"phone": phone, "code": code}, headers=headers)
    assert answer.status == 200, answer.text()


def run_in_browser(video: Path, scenario: Callable, timeout: float = 120.0):
    """Run scenario(browser) in a worker thread with Chromium filming `video` as its camera."""
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
