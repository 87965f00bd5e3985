"""Real-browser test set-up: the app served on 127.0.0.1 from a thread, Debian's
Chromium driven by Playwright."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.browser_support import CHROMIUM, LiveServer  # noqa: F401
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def build_live_app(tmp_path: Path, **overrides):
    """A fresh app on its own SQLite file, migrated and seeded like the demo."""
    import flask_migrate

    from registry import MIGRATIONS_DIR, create_app
    from registry.web.demo import seed
    from tests.conftest import test_settings

    settings = test_settings("sqlite:///" + str(tmp_path / "live.sqlite"), str(tmp_path))
    settings.update({"TESTING": False, "PROPAGATE_UNEXPECTED": False, **overrides})
    app = create_app(settings, instance_path=str(tmp_path))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
    app.test_cli_runner().invoke(seed)
    return app


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
    from playwright.sync_api import sync_playwright

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
