"""Face decisions as the face service records them, and the engine's default quality limits."""
from __future__ import annotations

import datetime as dt

from registry.core import clock
from registry.core.extensions import db
from registry.face import engine
from registry.face.models import FaceCheck
from registry.face.settings import DEFAULTS

# The quality gates with the shipped defaults (the engine and pool tests call the engine directly).
LIMITS = engine.QualityLimits(
    min_score=DEFAULTS["FACE_DETECTION_MIN_SCORE"], min_face_pixels=DEFAULTS["FACE_MIN_FACE_PIXELS"],
    min_face_fraction=DEFAULTS["FACE_MIN_FACE_FRACTION"], min_brightness=DEFAULTS["FACE_MIN_BRIGHTNESS"],
    max_brightness=DEFAULTS["FACE_MAX_BRIGHTNESS"], min_sharpness=DEFAULTS["FACE_MIN_SHARPNESS"])


def make_face_check(account, purpose: str = "check_in", *, passed: bool = True, age: dt.timedelta = dt.timedelta(0),
                    reference_id: int | None = None):
    """A recorded face decision, as registry.face.services.verify leaves it after a real check.

    Domain tests use it to exercise their own rules; the face service's tests
    run the real engine on real photos. `age` backdates it; `reference_id`
    names the reference it was matched against.
    """
    check = FaceCheck(account_id=account.id, purpose=purpose, actions="blink", passed=passed,
                      reason=None if passed else "no_match", frame_count=5, provider="test", engine="test",
                      scores={}, thresholds={}, reference_id=reference_id, created_at=clock.now() - age)
    db.session.add(check)
    db.session.flush()
    return check
