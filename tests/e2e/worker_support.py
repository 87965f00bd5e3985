"""Support for the worker-registration browser test: the app, an enterprise, a reader station, the face steps."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from registry.core.extensions import db
from tests.e2e import face_support, fake_camera
from tests.e2e.browser_support import build_live_app
from tests.factories import photos as P
from tests.factories.enterprises import make_enterprise
from workers.identity import stations


def build_app(tmp_path: Path):
    """A fresh live app (demo letter seeded) whose face challenges are always "turn right, then left"."""
    return build_live_app(tmp_path, SMS_RESEND_SECONDS=0,
                          FACE_CHALLENGE_ACTIONS_FOR_TESTS=["turn_right", "turn_left"])


def seed_enterprise(app, name: str) -> str:
    """An enterprise the worker can find by name; returns its credit code."""
    with app.app_context():
        enterprise = make_enterprise(name)
        db.session.commit()
        return enterprise.credit_code


def camera_video(folder: Path):
    """The test's camera: the worker doing what the page asks, lit by the colours it flashes."""
    return fake_camera.genuine()


def chip_photo_file(folder: Path) -> Path:
    """The photo the software card carries: the same person the camera films."""
    path = folder / "chip.jpg"
    # Framed like a passport photo: head and shoulders, the face half the width.
    path.write_bytes(P.jpeg(P.camera_frame("obama3.jpg", False, (360, 480), 0.5)))
    return path


def read_code(page, base_url: str, phone: str) -> str:
    """The newest SMS code to phone, from the development outbox."""
    body = page.request.get(f"{base_url}/api/v1/dev/outbox?phone={phone}").json()["items"][0]["body"]
    return re.search(r"\d{6}", body).group(0)


def enrol_station(app, server_url: str, folder: Path) -> Path:
    """An operator registers a reader station; the station program enrols itself over HTTP. Its config file."""
    with app.app_context():
        _station, code = stations.register_station("e2e 读卡站", "测试窗口", None)
        db.session.commit()
    config = folder / "station.json"
    run_station(config, "enroll", "--server", server_url, code)
    return config


def run_station(config: Path, *args: str) -> dict:
    """`registry-station --config CONFIG ARGS...` in its own process; its JSON answer."""
    result = subprocess.run([sys.executable, "-m", "readerstation", "--config", str(config), *args],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def log_in(page, base_url: str, phone: str) -> None:
    """The SMS-code login, the code read from the development outbox."""
    page.goto(base_url + "/login")
    page.locator("input[name=phone]").fill(phone)
    page.locator("button[value=send]").click()
    page.locator("input[name=code]").fill(read_code(page, base_url, phone))
    page.locator("button[value=login]").click()
    page.get_by_test_id("masked-phone").wait_for()


pass_face_check = face_support.pass_face_check


def wait_for_status(page, text: str) -> None:
    """Wait until the check-in page, after its redirects, shows this working status."""
    page.wait_for_url("**/workers/check-in?face_check=*", timeout=30000)
    # The page posts the check itself and is redirected back without the query.
    page.wait_for_url(lambda url: url.endswith("/workers/check-in"), timeout=30000)
    page.locator(f"[data-testid=work-status]:text-is('{text}')").wait_for(timeout=30000)


def run_cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output
