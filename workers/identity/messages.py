"""Words for the identity step: methods, named checks, failures and photo kinds."""
from __future__ import annotations

from flask_babel import gettext as _

from registry.web.presenting import joined


def method_label(method: str) -> str:
    """The method's name in the reader's language."""
    return {
        "chip": _("Identity document chip check"),
        "resident_id_reader": _("Resident ID card reader check"),
        "manual_review": _("Manual review"),
    }.get(method, method)


def check_label(name: str) -> str:
    """A check's name in the reader's language."""
    return {
        "mrz_check_digits": _("Document data intact"),
        "sod_signature": _("Issuer signature"),
        "certificate_chain": _("Issuing authority trusted"),
        "data_group_hashes": _("Chip data unchanged"),
        "active_authentication": _("Chip is genuine (not cloned)"),
        "document_expiry": _("Document not expired"),
        "identity_match": _("Document belongs to the account holder"),
        "face_reference": _("Chip photo usable for face checks"),
        "record_format": _("Card data readable"),
        "id_number": _("ID number valid"),
        "face_binding": _("Card photo"),
        "operator_review": _("Checked by an operator"),
    }.get(name, name)


def verification_sentence(method: str, passed: list[str], failed: list[str]) -> str:
    """The result as a sentence: 证件芯片核验通过：签发机关签名有效、……."""
    checks = joined(check_label(name) for name in passed) if passed else ""
    if failed:
        return _("%(method)s: not passed (%(failed)s)", method=method_label(method),
                 failed=joined(check_label(name) for name in failed))
    if checks:
        return _("%(method)s passed: %(checks)s", method=method_label(method), checks=checks)
    return _("%(method)s passed", method=method_label(method))


def failure_message(code: str | None) -> str:
    """What a stopped attempt tells the worker."""
    return {
        "checks_failed": _("The document could not be verified. Check that it is genuine and not expired, "
                           "and read it again, or use the manual review."),
        "identity_mismatch": _("This document belongs to someone else: its name, ID number or birth date does "
                               "not match your account."),
        "no_face_photo": _("The document's chip holds no usable photo. Use the manual review instead."),
        "face_reference_refused": _("The photo on the chip cannot be used for face checks. Use the manual "
                                    "review instead."),
    }.get(code or "", _("The identity check failed."))


def photo_label(kind: str) -> str:
    return {"hand_held": _("Photo of you holding your ID card"), "front": _("ID card, side with your photo"),
            "back": _("ID card, side with the national emblem")}.get(kind, kind)


def upload_message(reason: str) -> str:
    return {
        "empty_image": _("This photo is missing."),
        "image_too_large": _("This photo is larger than 4 MB."),
        "image_too_many_pixels": _("This photo has too many pixels."),
        "unsupported_format": _("Upload a JPEG or PNG photo."),
        "corrupt_image": _("This photo is damaged and cannot be read."),
    }.get(reason, _("This photo cannot be used."))
