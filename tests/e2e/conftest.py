"""Real-browser test set-up: the app served on 127.0.0.1 from a thread, Debian's
Chromium driven by Playwright."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from registry.core.extensions import db
from registry.face import services as face
from tests.e2e import face_support, fake_camera
from tests.e2e.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer, build_live_app
from tests.factories import photos as P
from tests.factories.accounts import make_account
from tests.factories.workers import sign_consent
from workers import services as workers
from workers.models import RegistrationStep


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    # One person's flow asks for several codes within a minute; the resend
    # interval itself is covered by the unit tests.
    app = build_live_app(tmp_path_factory.mktemp("live"), SMS_RESEND_SECONDS=0)
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    # Module scope: a sync Playwright left running would stop other modules
    # from starting their own (one asyncio loop per thread).
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test does)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def real_photos():
    """Real photos of real people (from a registry package); the face tests cannot run on anything else."""
    try:
        return P.photo_bytes()
    except P.TestDataUnavailable as exc:
        pytest.skip(f"!!! REAL TEST PHOTOS UNAVAILABLE (package index unreachable, nothing cached): {exc}")


@pytest.fixture(scope="module")
def face_video(real_photos):
    """The test's camera: one real person doing what the page asks, lit by the colours it flashes."""
    return fake_camera.genuine()


@pytest.fixture(scope="module")
def worker_and_household(real_photos, tmp_path_factory):
    """A live app with a registered worker (face reference from a real photo, fixed "turn right, then turn
    left" challenge) and a household: (server, app, (worker phone, household phone))."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    app = face_support.build_app(tmp_path_factory.mktemp("scan-live"),
                                 FACE_CHALLENGE_ACTIONS_FOR_TESTS=["turn_right", "turn_left"])
    with app.app_context():
        worker = make_account("worker", name="黄月英")
        workers.ensure_worker(worker).registration_step = RegistrationStep.COMPLETE.value
        sign_consent(worker)
        face.enroll_reference(worker, real_photos["obama3.jpg"], "chip_dg2", keep_photo=True)
        household = make_account("consumer", name="诸葛亮")
        phones = worker.phone, household.phone
        db.session.commit()
    with face_support.LiveServer(app) as server:
        yield server, app, phones
