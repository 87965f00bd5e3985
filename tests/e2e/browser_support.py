"""What the browser tests share: the live app and its server thread, fake-camera videos and
a Chromium filming one, run in a thread of its own (a sync Playwright owns its
thread's event loop, so browsers with different cameras each get a thread)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from registry.web.demo import seed
from tests.factories.app import make_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
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


def build_live_app(tmp_path: Path, **overrides):
    """A fresh app on its own SQLite file, migrated and seeded like the demo."""
    app = make_app("sqlite:///" + str(tmp_path / "live.sqlite"), str(tmp_path),
                   **{"TESTING": False, "PROPAGATE_UNEXPECTED": False, **overrides})
    app.test_cli_runner().invoke(seed)
    return app


class LiveServer:
    """The app served from a thread on an ephemeral 127.0.0.1 port."""

    def __init__(self, app):
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


class _FilmingBrowser:
    """A browser whose every new context gets the test's camera (getUserMedia answered by a canvas)."""

    def __init__(self, browser, camera) -> None:
        self._browser, self._camera = browser, camera

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(self._camera.script())
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


def run_in_browser(camera, scenario: Callable, timeout: float = 120.0):
    """Run scenario(browser) in a worker thread with Chromium filming `camera`: a y4m video file (Chromium's
    fake device loops it) or a tests.e2e.fake_camera.FakeCamera (a canvas that follows the page)."""
    results: queue.Queue = queue.Queue()
    filming = hasattr(camera, "script")
    device = [] if filming else ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                 f"--use-file-for-fake-video-capture={camera}"]

    def work():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                    "--no-sandbox", "--disable-background-networking", "--disable-gpu", *device])
                try:
                    results.put(("ok", scenario(_FilmingBrowser(browser, camera) if filming else browser)))
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
