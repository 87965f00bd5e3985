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
        "chip_authentication": _("Chip is genuine (chip authentication)"),
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


def document_photo_problem(reason: str | None) -> str:
    """Why a document's photo cannot be a face reference, said about the document (not the camera)."""
    return {
        "face_too_small": _("the face in it is too small (the platform needs at least 80 pixels across the face)"),
        "no_face": _("no face can be found in it"),
        "multiple_faces": _("it shows more than one face"),
        "too_dark": _("it is too dark"),
        "too_bright": _("it is too bright"),
        "blurred": _("it is blurred"),
        "unsupported_format": _("its image format cannot be read"),
        "corrupt_image": _("it is damaged"),
        "image_too_large": _("it is too large"),
        "image_too_many_pixels": _("it has too many pixels"),
        "empty_image": _("it is empty"),
    }.get(reason or "", _("it cannot be used"))


def failure_message(code: str | None, detail: str | None = None) -> str:
    """What a stopped attempt tells the worker (detail: the face engine's reason for a refused photo)."""
    if code == "face_reference_refused":
        return _("The photo on the document cannot be used for face checks: %(problem)s. Use the manual review "
                 "instead.", problem=document_photo_problem(detail))
    return {
        "checks_failed": _("The document could not be verified. Check that it is genuine and not expired, "
                           "and read it again, or use the manual review."),
        "identity_mismatch": _("This document belongs to someone else: its name, ID number or birth date does "
                               "not match your account."),
        "no_face_photo": _("The document's chip holds no usable photo. Use the manual review instead."),
    }.get(code or "", _("The identity check failed."))


def attempt_failure(failure: str | None, checks: dict | None) -> str:
    """A stopped attempt's message, with the photo's problem when the photo was the cause."""
    detail = ((checks or {}).get("face_reference") or {}).get("reason")
    return failure_message(failure, detail)


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


def read_problem(code: str | None) -> str:
    """What a reader station reported when it could not read the document."""
    return {
        "no_document": _("The reader found no document. Place it flat on the reader and ask for a new code."),
        "access_denied": _("The chip refused the document data typed at the station (number, dates or CAN). "
                           "Check them and ask for a new code."),
        "document_removed": _("The document was moved away during the read. Ask for a new code and keep it still."),
        "unsupported_document": _("This document cannot be read by the station. Use the manual review instead."),
        "reader_error": _("The reader station had a problem. Ask for a new code and try again."),
        "station_revoked": _("The reader station was switched off by an operator. Ask for a new code."),
    }.get(code or "", _("The document could not be read. Ask for a new code and try again."))
