"""Support for the face-capture browser test: a fake-camera video built from
real photos, a live server on its own database, and a Chromium that films it.

Kept apart from tests/e2e/conftest.py: the fake camera needs its own browser
flags, and the browser runs in a worker thread so it never meets another
Playwright session of the same pytest process.
"""
from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from registry.accounts.models import SmsMessage
from registry.core.crypto import lookup_hash
from registry.core.extensions import db
from tests.e2e.browser_support import CHROMIUM, FPS, LiveServer, run_in_browser, write_y4m  # noqa: F401
from tests.factories.app import make_app


def build_app(tmp_path: Path, **overrides):
    """A fresh app on a temporary SQLite file, migrated by the real migrations."""
    return make_app("sqlite:///" + str(tmp_path / "face-live.sqlite"), str(tmp_path),
                    **{"TESTING": False, "PROPAGATE_UNEXPECTED": False, "SMS_RESEND_SECONDS": 0, **overrides})


def log_in(context, base_url: str, app, phone: str) -> None:
    """Sign the browser context in through the real SMS-code API (cookies are shared)."""
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


def pass_face_check(page, attempts: int = 3) -> None:
    """Start the capture component and wait until it passed, trying again after a failed decision as a
    person would: the check refuses some genuine captures (its BPCER, see bench/face_spoof.py), and the
    colours and timing of each new challenge are random."""
    for _attempt in range(attempts):
        page.get_by_test_id("face-start").click()
        page.wait_for_selector("[data-face-capture][data-state=passed], [data-face-capture][data-state=failed]",
                               timeout=60000)
        if page.get_attribute("[data-face-capture]", "data-state") == "passed":
            return
    raise AssertionError(f"the face check failed {attempts} times: "
                         f"{page.get_attribute('[data-face-capture]', 'data-reason')}")


def approve_by_face(page, path_suffix: str, attempts: int = 3) -> None:
    """A step the passed check submits by itself (approving a household's request): start the capture, and
    after a failed decision try again as a person would, until the page has gone on to path_suffix."""
    for _attempt in range(attempts):
        page.get_by_test_id("face-start").click()
        page.wait_for_function(
            "(suffix) => location.pathname.endsWith(suffix) || "
            "document.querySelector('[data-face-capture][data-state=failed]')", arg=path_suffix, timeout=90000)
        if page.url.split("?")[0].endswith(path_suffix):
            return
    raise AssertionError(f"the face check failed {attempts} times: "
                         f"{page.get_attribute('[data-face-capture]', 'data-reason')}")
