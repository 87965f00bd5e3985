"""What each refusal code tells the person (so they know what to change and retry)."""
from __future__ import annotations

from flask_babel import gettext as _

from registry.web.presenting import joined


def reason_message(reason: str | None, frame_index: int | None = None) -> str:
    """A short, translated explanation of a decision's reason code."""
    messages = {
        None: _("Face verification passed."),
        "no_face": _("No face was found. Face the camera in good light."),
        "multiple_faces": _("More than one face was found. Make sure only you are in the picture."),
        "face_too_small": _("Your face is too small in the picture. Move closer to the camera."),
        "too_dark": _("The picture is too dark. Find brighter light."),
        "too_bright": _("The picture is too bright. Avoid direct light or a bright window behind you."),
        "blurred": _("The picture is blurred. Hold the phone still and clean the lens."),
        "empty_image": _("An uploaded picture is empty."),
        "image_too_large": _("An uploaded picture is too large."),
        "image_too_many_pixels": _("An uploaded picture has too many pixels."),
        "unsupported_format": _("Upload JPEG, PNG or WebP pictures."),
        "corrupt_image": _("An uploaded picture is damaged and cannot be read."),
        "too_few_frames": _("Too few pictures were received. Please try again."),
        "too_many_frames": _("Too many pictures were sent at once."),
        "face_changed": _("The pictures do not all show the same person."),
        "no_movement": _("No movement was seen. Follow the prompts with your own face."),
        "action_missing": _("The requested action was not seen. Follow the prompts and try again."),
        "action_order": _("The actions were not done in the requested order."),
        "no_match": _("The face does not match the identity on record."),
        "not_live": _("We could not confirm that you are in front of the camera. Face the screen in soft light, "
                      "keep still between the prompts, follow them and try again."),
        "capture_incomplete": _("The capture was interrupted. Keep this page open and your face in view until "
                                "it ends."),
        "photo_capture_off": _("Face verification needs a camera here. Use a phone or computer with a camera."),
        "challenge_expired": _("The verification has expired. Please start again."),
        "challenge_used": _("This verification has already been used. Please start again."),
        "no_reference": _("No reference photo is on record yet. Verify your identity document first."),
        "provider_error": _("Face verification is unavailable right now. Please try again later."),
    }
    message = messages.get(reason, _("Face verification failed. Please try again."))
    if frame_index is not None and reason in {"no_face", "multiple_faces", "face_too_small", "too_dark",
                                              "too_bright", "blurred", "corrupt_image", "unsupported_format",
                                              "image_too_large", "image_too_many_pixels", "empty_image"}:
        return _("Picture %(number)d: %(message)s", number=frame_index + 1, message=message)
    return message


def action_prompt(action: str) -> str:
    """The instruction shown while an action is recorded."""
    return {
        "blink": _("Blink your eyes"),
        "open_mouth": _("Open your mouth"),
        "turn_left": _("Turn your head slowly to your left"),
        "turn_right": _("Turn your head slowly to your right"),
    }.get(action, action)


def photo_prompt(action: str) -> str | None:
    """The photo to take for an action when photos are uploaded instead of a camera burst (None: a blink,
    which no still photo can show)."""
    return {
        "open_mouth": _("A photo with your mouth wide open"),
        "turn_left": _("A photo with your head turned to your left"),
        "turn_right": _("A photo with your head turned to your right"),
    }.get(action)


def purpose_label(purpose: str) -> str:
    """What a face check was for, in the reader's language."""
    return {
        "registration": _("Identity verification"),
        "consent": _("Sign the letter"),
        "check_in": _("Monthly check-in"),
        "view_approval": _("Approve with a face check"),
    }.get(purpose, purpose)


def source_label(source: str) -> str:
    """Where a reference photo came from."""
    return {"chip_dg2": _("Identity document chip check"), "resident_id_card": _("Resident ID card reader check"),
            "manual_review": _("Manual review")}.get(source, source)


# Refusals that say how the liveness evidence fell short. Naming which one would tell an attacker what
# to fix in a prepared capture, so the person is told one thing (the record keeps the exact reason).
LIVENESS_REASONS = frozenset({"no_movement", "action_order", "light_mismatch", "capture_cut", "face_changed"})


def public_reason(reason: str | None) -> str | None:
    """The reason code shown to the person: liveness refusals share "not_live"."""
    return "not_live" if reason in LIVENESS_REASONS else reason


def action_name(action: str) -> str:
    """An action as a noun phrase (in "this was not seen: ...")."""
    return {"blink": _("a blink"), "open_mouth": _("an open mouth"), "turn_left": _("a turn to your left"),
            "turn_right": _("a turn to your right")}.get(action, _("an action"))


def check_message(check, *, uploaded: bool) -> str:
    """What a recorded decision tells its owner: a picture's number only for uploaded photos, the actions
    not seen by name, nothing about scores."""
    reason = public_reason(check.reason)
    if reason == "action_missing":
        missing = [a for a in (check.scores or {}).get("missing_actions", []) if isinstance(a, str)]
        if missing:
            return _("This was not seen: %(actions)s. Follow the prompts and try again.",
                     actions=joined(action_name(a) for a in missing))
    return reason_message(reason, check.frame_index if uploaded else None)
