"""Face verification as a service for the domains: challenges, checks, references.

A domain step (registration, consent, check-in, view approval) asks for a
challenge, lets the browser record the actions, calls `verify`, and then
`claim_check` to spend the passed decision on exactly one step.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import struct
import time

import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from registry.accounts.models import Account
from registry.audit import services as audit
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound, RateLimited
from registry.core.extensions import db
from registry.face import engine
from registry.face.challenge_plan import draw_plan
from registry.face.imaging import REFERENCE_FORMATS, ImageRejected, decode_image, to_jpeg
from registry.face.liveness import ACTIONS, STILL_ACTIONS, draw_actions
from registry.face.messages import reason_message
from registry.face.models import FaceChallenge, FaceCheck, FaceReference
from registry.face.providers import CheckRequest, Decision, get_provider
from registry.face.settings import setting
from registry.web import observability

log = logging.getLogger(__name__)

PURPOSES = ("registration", "consent", "check_in", "view_approval")
# How the browser answers a challenge: a camera burst, or photos taken one by one (no camera).
CAPTURES = ("camera", "photos")
REFERENCE_SOURCES = ("chip_dg2", "resident_id_card", "manual_review")


# --- references --------------------------------------------------------------

def active_reference(account: Account) -> FaceReference | None:
    """The reference used for matching: the newest one not retired."""
    return db.session.scalars(
        sa.select(FaceReference).where(FaceReference.account_id == account.id, FaceReference.retired_at.is_(None))
        .order_by(FaceReference.id.desc()).limit(1)).first()


def enroll_reference(account: Account, image: bytes, source: str, *, approved_by: Account | None = None,
                     keep_photo: bool = False) -> FaceReference:
    """Make a trusted photo the person's reference; earlier references are retired.

    source is "chip_dg2" (the photo read from the identity document's chip)
    or "manual_review" (an operator approved it, approved_by says who). The
    photo is kept only with keep_photo, for identity records that need it.
    """
    if source not in REFERENCE_SOURCES:
        raise DomainError(_("Unknown reference source."), code="invalid_source", status=422)
    if source == "manual_review" and approved_by is None:
        raise DomainError(_("A manually reviewed photo needs the approving operator."), code="approver_required",
                          status=422)
    provider = get_provider()
    enrollment = provider.enroll(image)
    if enrollment.template is None:
        raise DomainError(reason_message(enrollment.reason), code=enrollment.reason or "reference_refused",
                          status=422)
    now = clock.now()
    db.session.execute(sa.update(FaceReference).where(
        FaceReference.account_id == account.id, FaceReference.retired_at.is_(None)).values(retired_at=now))
    reference = FaceReference(account_id=account.id, source=source, provider=provider.name,
                              engine=enrollment.engine, template=enrollment.template,
                              photo=image if keep_photo else None,
                              approved_by_id=approved_by.id if approved_by else None, created_at=now)
    db.session.add(reference)
    db.session.flush()
    audit.record("face.reference_enrolled", subject_id=account.id,
                 actor_id=approved_by.id if approved_by else account.id, source=source, reference_id=reference.id)
    return reference


# --- rate limit --------------------------------------------------------------

def _check_challenge_rate(account: Account) -> None:
    """Refuse a new challenge after too many were started in the window (re-rolling for an easy one)."""
    window = dt.timedelta(seconds=int(setting("FACE_FAILURE_WINDOW_SECONDS")))
    limit = int(setting("FACE_MAX_CHALLENGES"))
    started = db.session.scalars(
        sa.select(FaceChallenge.created_at).where(FaceChallenge.account_id == account.id,
                                                  FaceChallenge.created_at >= clock.now() - window)
        .order_by(FaceChallenge.created_at.desc()).limit(limit)).all()
    if len(started) >= limit:
        retry_after = max(1, int((started[-1] + window - clock.now()).total_seconds()) + 1)
        raise RateLimited(_("Too many face verifications were started. Please try again later."),
                          code="face_rate_limited", retry_after=retry_after)


def _check_rate_limit(account: Account) -> None:
    """Refuse new attempts after too many recent failures (guessing, replay, spoofing)."""
    window = dt.timedelta(seconds=int(setting("FACE_FAILURE_WINDOW_SECONDS")))
    since = clock.now() - window
    failures = db.session.scalars(
        sa.select(FaceCheck.created_at).where(FaceCheck.account_id == account.id, FaceCheck.passed.is_(False),
                                              FaceCheck.created_at >= since)
        .order_by(FaceCheck.created_at.desc())).all()
    limit = int(setting("FACE_MAX_FAILURES"))
    if len(failures) >= limit:
        oldest_counted = failures[limit - 1]
        retry_after = max(1, int((oldest_counted + window - clock.now()).total_seconds()) + 1)
        raise RateLimited(_("Too many failed face checks. Please try again later."), code="face_rate_limited",
                          retry_after=retry_after)


# --- challenges --------------------------------------------------------------

def _choose_actions(capture: str = "camera", steady: bool = False) -> tuple[str, ...]:
    """Random actions for a challenge. Photos are drawn from what a still photo can show (no blink).
    The steady kind (no flashing) asks for more actions, since no reflected light backs them up."""
    forced = setting("FACE_CHALLENGE_ACTIONS_FOR_TESTS")
    # A known sequence defeats the liveness check, so production never honours it.
    if forced and current_app.config.get("ENV") != "production":
        if not all(action in ACTIONS for action in forced):
            raise ValueError("FACE_CHALLENGE_ACTIONS_FOR_TESTS holds an unknown action")
        return tuple(forced)
    chooser = secrets.SystemRandom()
    count = chooser.randint(int(setting("FACE_CHALLENGE_MIN_ACTIONS")), int(setting("FACE_CHALLENGE_MAX_ACTIONS")))
    if steady:
        count = int(setting("FACE_STEADY_ACTIONS"))
    return draw_actions(count, ACTIONS if capture == "camera" else STILL_ACTIONS, chooser)


def issue_challenge(account: Account, purpose: str, capture: str = "camera", *, flash: bool = True) -> FaceChallenge:
    """A random, single-use challenge bound to the person and purpose.

    A camera challenge carries its plan: action windows on a timeline and,
    unless flash is False (the person asked for no flashing), the screen
    colours to flash. capture "photos" (no camera; photos uploaded one by
    one) never asks for a blink and is offered only where FACE_PHOTO_CAPTURE
    is on. Starting a challenge counts towards a per-person limit.
    """
    if purpose not in PURPOSES:
        raise DomainError(_("Unknown purpose."), code="invalid_purpose", status=422,
                          fields={"purpose": [_("Unknown purpose.")]})
    if capture not in CAPTURES:
        raise ValueError(f"unknown capture {capture!r}")  # the API's schema refuses it before this
    if capture == "photos" and not setting("FACE_PHOTO_CAPTURE"):
        raise Forbidden(_("Face verification needs a camera here. Use a phone or computer with a camera."),
                        code="photo_capture_off")
    _check_rate_limit(account)
    _check_challenge_rate(account)
    if active_reference(account) is None:
        raise Conflict(reason_message("no_reference"), code="no_reference")
    now = clock.now()
    actions = _choose_actions(capture, steady=not flash)
    plan = draw_plan(actions, "flash" if flash else "steady").to_json() if capture == "camera" else None
    challenge = FaceChallenge(id=secrets.token_urlsafe(18), account_id=account.id, purpose=purpose,
                              actions=",".join(actions), capture=capture, plan=plan, created_at=now,
                              expires_at=now + dt.timedelta(seconds=int(setting("FACE_CHALLENGE_TTL_SECONDS"))))
    db.session.add(challenge)
    db.session.flush()
    return challenge


def _load_challenge(account: Account, challenge_id: str) -> FaceChallenge:
    challenge = db.session.get(FaceChallenge, challenge_id) if challenge_id else None
    if challenge is None or challenge.account_id != account.id:
        raise NotFound(_("This verification does not exist."), code="challenge_not_found")
    return challenge


def _spend_challenge(challenge: FaceChallenge) -> bool:
    """Mark the challenge used; False if another request already did (a replay)."""
    # One conditional UPDATE decides between concurrent uploads of the same challenge.
    spent = db.session.execute(
        sa.update(FaceChallenge).where(FaceChallenge.id == challenge.id, FaceChallenge.used_at.is_(None))
        .values(used_at=clock.now()).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(challenge)
    return spent == 1


# --- checks ------------------------------------------------------------------

def _pack_frames(frames: list[bytes]) -> bytes:
    return b"".join(struct.pack(">I", len(f)) + f for f in frames)


def unpack_frames(data: bytes) -> list[bytes]:
    """The frames kept with a check (operator setting FACE_KEEP_FRAMES)."""
    frames, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack_from(">I", data, offset)
        frames.append(data[offset + 4:offset + 4 + size])
        offset += 4 + size
    return frames


def min_frames(challenge: FaceChallenge) -> int:
    """Fewest frames that can show the challenge: a resting frame plus one per action."""
    return max(int(setting("FACE_MIN_FRAMES")), len(challenge.action_list) + 1)


def verify(account: Account, challenge_id: str, frames: list[bytes],
           times_ms: list[float] | None = None) -> FaceCheck:
    """Decide a challenge with the uploaded frames and record the decision.

    A camera challenge needs each frame's capture time (ms from the start of
    the capture, the page's clock). The challenge is spent whatever the
    outcome. Frames are dropped after the decision unless FACE_KEEP_FRAMES is
    set. Failed decisions are returned (not raised) and count towards the
    per-person rate limit.
    """
    _check_rate_limit(account)
    challenge = _load_challenge(account, challenge_id)
    provider = get_provider()
    reference = active_reference(account)
    refusal = None
    if challenge.used_at is not None:
        refusal = "challenge_used"
    elif clock.now() > challenge.expires_at:
        refusal = "challenge_expired"
    if refusal is None:
        if len(frames) < min_frames(challenge):
            refusal = "too_few_frames"
        elif len(frames) > int(setting("FACE_MAX_FRAMES")):
            refusal = "too_many_frames"
        elif challenge.plan and (times_ms is None or len(times_ms) != len(frames)):
            refusal = "capture_incomplete"
        elif reference is None or reference.provider != provider.name:
            # A template is only meaningful to the engine that made it: after a
            # provider change the person must enroll again.
            refusal = "no_reference"
    if refusal is not None:
        decision = Decision(False, refusal, provider.version())
    else:
        started = time.perf_counter()
        try:
            decision = provider.check(CheckRequest(
                frames=list(frames), actions=challenge.action_list, reference_template=reference.template,
                purpose=challenge.purpose, plan=challenge.capture_plan,
                times_ms=tuple(times_ms) if challenge.plan and times_ms is not None else None))
        except Exception:  # a provider fault must become a refusal, never a 500 or a pass
            log.exception("face provider %s failed", provider.name)
            decision = Decision(False, "provider_error", provider.version())
        observability.observe_face_check(time.perf_counter() - started)
    # Spent only now, so the second or so of analysis holds no write lock; a
    # concurrent upload of the same challenge that got here first wins.
    if not _spend_challenge(challenge) and refusal is None:
        refusal = "challenge_used"
        decision = Decision(False, refusal, provider.version())
    keep = bool(setting("FACE_KEEP_FRAMES")) and refusal is None
    check = FaceCheck(account_id=account.id, challenge_id=challenge.id,
                      reference_id=reference.id if reference else None, purpose=challenge.purpose,
                      actions=challenge.actions, passed=bool(decision.passed), reason=decision.reason,
                      frame_index=decision.frame_index, frame_count=len(frames), provider=provider.name,
                      engine=decision.engine, scores=decision.scores, thresholds=decision.thresholds,
                      frames=_pack_frames(frames) if keep else None, created_at=clock.now())
    db.session.add(check)
    db.session.flush()
    audit.record("face.check", subject_id=account.id, check_id=check.id, purpose=check.purpose,
                 passed=check.passed, reason=check.reason)
    return check


def uploaded_photos(check: FaceCheck) -> bool:
    """Whether the check's frames were photos uploaded one by one (their numbers mean something to the person)."""
    challenge = db.session.get(FaceChallenge, check.challenge_id) if check.challenge_id else None
    return challenge is not None and challenge.capture == "photos"


def get_check(account: Account, check_id: int) -> FaceCheck:
    """One of the person's own decisions."""
    check = db.session.get(FaceCheck, check_id)
    if check is None or check.account_id != account.id:
        raise NotFound(_("This face check does not exist."), code="check_not_found")
    return check


def latest_passed_check(account: Account, purpose: str, max_age: dt.timedelta | None = None) -> FaceCheck | None:
    """The newest passed, unclaimed check for a purpose, if recent enough."""
    age = max_age if max_age is not None else dt.timedelta(seconds=int(setting("FACE_CHECK_VALID_SECONDS")))
    return db.session.scalars(
        sa.select(FaceCheck).where(FaceCheck.account_id == account.id, FaceCheck.purpose == purpose,
                                   FaceCheck.passed.is_(True), FaceCheck.claimed_at.is_(None),
                                   FaceCheck.created_at >= clock.now() - age)
        .order_by(FaceCheck.id.desc()).limit(1)).first()


def claim_check(account: Account, check_id: int, purpose: str) -> FaceCheck:
    """Spend a passed check on the one step it confirms; refuses reuse, other purposes and stale checks."""
    check = get_check(account, check_id)
    if not check.passed:
        raise DomainError(reason_message(check.reason), code="face_check_failed", status=422)
    if check.purpose != purpose:
        raise DomainError(_("This face check was made for another purpose."), code="face_check_purpose",
                          status=422)
    valid = dt.timedelta(seconds=int(setting("FACE_CHECK_VALID_SECONDS")))
    if clock.now() - check.created_at > valid:
        raise DomainError(_("This face check is too old; please verify again."), code="face_check_stale",
                          status=422)
    claimed = db.session.execute(
        sa.update(FaceCheck).where(FaceCheck.id == check.id, FaceCheck.claimed_at.is_(None))
        .values(claimed_at=clock.now()).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise Conflict(_("This face check has already been used."), code="face_check_used")
    db.session.refresh(check)
    return check


# --- deletion ----------------------------------------------------------------

def delete_face_data(account: Account) -> None:
    """Remove every face row of a deleted account (templates, photos, challenges, decisions)."""
    db.session.execute(sa.delete(FaceCheck).where(FaceCheck.account_id == account.id))
    db.session.execute(sa.delete(FaceChallenge).where(FaceChallenge.account_id == account.id))
    db.session.execute(sa.update(FaceReference).where(FaceReference.approved_by_id == account.id)
                       .values(approved_by_id=None))
    db.session.execute(sa.delete(FaceReference).where(FaceReference.account_id == account.id))


def largest_face_crop(image: bytes, *, max_bytes: int, max_pixels: int) -> bytes | None:
    """The biggest face of a hand-held photo with some margin, as JPEG; None when no face is found.

    The card in the hand shows a second, smaller face; the face module
    refuses photos with two faces, so the holder's (the larger) is cut out
    (the identity review uses this for hand-held ID photos).
    """
    try:
        pixels = decode_image(image, formats=REFERENCE_FORMATS, max_bytes=max_bytes, max_pixels=max_pixels, max_side=int(setting("FACE_REFERENCE_MAX_SIDE")))
    except ImageRejected:
        return None
    min_score = float(setting("FACE_DETECTION_MIN_SCORE"))
    faces = engine.detect(pixels, min_score, 0) or engine.detect(pixels, min_score, 1)
    if not faces:
        return None
    (left, top, right, bottom), _score = max(faces, key=lambda f: (f[0][2] - f[0][0]) * (f[0][3] - f[0][1]))
    size = max(right - left, bottom - top)
    margin = int(size * 0.6)
    height, width = pixels.shape[:2]
    crop = pixels[max(0, top - margin):min(height, bottom + margin), max(0, left - margin):min(width, right + margin)]
    return to_jpeg(np.ascontiguousarray(crop))
