"""模拟证件（演示）: a newcomer on a development platform completes identity from the browser alone.

The identity page offers a simulated document: the worker takes a photo of
their face on the spot, and the platform runs the reader-station protocol
in-process: its own built-in station pairs with a fresh code, a software
card personalized with the account and that photo is read by the same
station code (`readerstation.reading`), and the read goes through the same
pairing and upload services the station API calls. The face check that
follows then passes for the real person at the camera. Production never
offers it and refuses it at every step (the read is simulated).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from idcard.errors import IdCardError
from readerstation import reading
from registry.core.errors import DomainError, Forbidden
from registry.core.extensions import db
from registry.face.imaging import REFERENCE_FORMATS, ImageRejected, decode_image
from workers.identity import chip, stations
from workers.identity.messages import upload_message
from workers.identity.models import IdentityRecord, IdentityStation
from workers.models import Worker

MAX_PHOTO_BYTES = 8 * 1024 * 1024
BUILTIN_NAME = "模拟证件（演示）"


def offered() -> bool:
    """Only outside production, and only while IDENTITY_DEMO_CARD is on (the default there)."""
    config = current_app.config
    return not chip.production() and bool(config.get("IDENTITY_DEMO_CARD", True))


def builtin_station() -> IdentityStation:
    """The platform's in-process station (it has no key: it never signs HTTP requests)."""
    station = db.session.scalar(sa.select(IdentityStation).where(IdentityStation.builtin.is_(True)).limit(1))
    if station is None:
        station = IdentityStation(name=BUILTIN_NAME, place="", builtin=True)
        db.session.add(station)
        db.session.flush()
    return station


def read_demo_card(worker: Worker, photo: bytes) -> IdentityRecord:
    """Pair, read a software card carrying the account and this photo, and upload it: the station protocol."""
    if not offered():
        raise Forbidden(_("Simulated documents are not accepted on this platform."), code="simulated_refused")
    try:
        decode_image(photo, formats=REFERENCE_FORMATS, max_bytes=MAX_PHOTO_BYTES, max_pixels=40_000_000,
                     max_side=4096)
    except ImageRejected as rejected:
        raise DomainError(upload_message(rejected.reason), code=rejected.reason, status=422,
                          fields={"photo": [upload_message(rejected.reason)]}) from None
    code = chip.issue_binding_code(worker, renew=True).code
    station = builtin_station()
    pairing, challenge, holder = stations.pair(station, code, simulated=True)
    try:
        simulated = reading.read_simulated(holder, photo, challenge)
    except (IdCardError, OSError, ValueError):
        raise DomainError(_("The simulated card could not be made from this photo. Take another photo."),
                          code="demo_card_failed", status=422) from None
    read = simulated.read
    transcript = getattr(read, "ca_transcript", None)
    return stations.submit_chip(station, pairing.id, read.files, aa_challenge=read.aa_challenge,
                                aa_response=read.aa_response,
                                ca_transcript=transcript.to_dict() if transcript is not None else None,
                                access_protocol=getattr(read, "access_protocol", None),
                                simulated_csca=simulated.csca_pem)
