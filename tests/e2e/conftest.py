"""Real-browser test set-up: the app served on 127.0.0.1 from a thread, Debian's
Chromium driven by Playwright."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer, build_live_app


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
