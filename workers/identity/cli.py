"""`flask workers read-chip`: a desk NFC reader bound to one worker's registration by a short code.

The worker's identity page shows the code; the desk operator types it here
with the document's MRZ data (or the CLI simulates a software card). The
read is verified in this process by the same service the API uses, and the
page picks the result up on its next poll.
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext
from PIL import Image, ImageOps

from idcard.errors import IdCardError
from idcard.icao.mrz import MRZError, mrz_information
from idcard.icao.reader import ChipReader
from idcard.softcard import SoftwareCardTransport, build_document
from idcard.transport import NfcpyTransport
from registry.accounts.models import Account
from registry.core.errors import DomainError
from registry.core.extensions import db
from registry.core.idnumbers import birth_date_of
from workers.identity import chip as identity_chip
from workers.identity import services as identity


def chip_photo(image: bytes, max_side: int = 480) -> bytes:
    """A photo shrunk to what a chip holds (DG2 is a few tens of kB; larger files break short reads)."""
    with Image.open(io.BytesIO(image)) as source:
        picture = ImageOps.exif_transpose(source).convert("RGB")
    picture.thumbnail((max_side, max_side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def _simulated_document(account, document_number: str | None, face_photo: bytes | None):
    """A software card personalized with the account's identity (national-character name and ID in DG11)."""
    number = document_number or "E" + uuid.uuid4().hex[:8].upper()
    birth = birth_date_of(account.id_number).strftime("%y%m%d") if account.id_number else "900101"
    # The MRZ carries placeholder Latin names: the match uses DG11 (name in
    # Chinese characters, ID number) and the birth date, as for real permits.
    return build_document(document_number=number, birth_date=birth, surname="SIMULATED", given_names="HOLDER",
                          nationality="CHN", issuing_state="CHN", face_jpeg=face_photo,
                          dg11={0x5F0E: account.name, 0x5F10: account.id_number or ""}, aa="ec")


@click.command("read-chip")
@click.option("--code", required=True, help="The 8-character code shown on the worker's identity page.")
@click.option("--document-number", help="Document number as printed (real reads; optional when simulated).")
@click.option("--birth-date", help="Birth date, YYMMDD (real reads).")
@click.option("--expiry-date", help="Expiry date, YYMMDD (real reads).")
@click.option("--device", default="usb", show_default=True, help="nfcpy reader path.")
@click.option("--simulated", is_flag=True,
              help="Read a software card personalized with the account's identity (never in production).")
@click.option("--face-photo", type=click.Path(exists=True, dir_okay=False),
              help="JPEG to put on the simulated card as the DG2 photo.")
@click.option("--wait", default=20.0, show_default=True, help="Seconds to wait for a card on the reader.")
@with_appcontext
def read_chip_command(code, document_number, birth_date, expiry_date, device, simulated, face_photo, wait) -> None:
    """Read an identity document for the worker holding CODE and submit it.

    Prints the named checks (never the personal data). Exit status 0 when the
    document was accepted and the worker can do the face check, 2 otherwise.
    """
    if simulated and current_app.config.get("ENV") == "production":
        raise click.UsageError("--simulated is refused in production.")
    if not simulated and not (document_number and birth_date and expiry_date):
        raise click.UsageError("--document-number, --birth-date and --expiry-date are needed for a real read.")
    try:
        worker = identity_chip.redeem_binding_code(code)
    except DomainError as refusal:
        db.session.rollback()
        raise click.ClickException(refusal.message) from None
    db.session.commit()  # the code is spent even if the read below fails
    account = db.session.get(Account, worker.account_id)
    extra_csca = []
    try:
        if simulated:
            photo = None
            if face_photo:
                with open(face_photo, "rb") as handle:
                    photo = chip_photo(handle.read())
            document = _simulated_document(account, document_number, photo)
            extra_csca = [document.csca_certificate]
            transport = SoftwareCardTransport(document.card())
            info = document.mrz_information
        else:
            info = mrz_information(document_number, birth_date, expiry_date)
            transport = NfcpyTransport(device, wait=wait)
        challenge = identity_chip.issue_chip_challenge(worker)
        with contextlib.ExitStack() as stack:
            link = stack.enter_context(transport) if hasattr(transport, "__enter__") else transport
            read = ChipReader(link).read(info, aa_challenge=challenge)
    except MRZError as exc:
        db.session.rollback()
        raise click.BadParameter(str(exc)) from None
    except IdCardError as exc:
        db.session.rollback()
        raise click.ClickException(f"the document could not be read: {type(exc).__name__}") from None
    try:
        record = identity_chip.submit_chip_read(worker, read.files, aa_challenge=read.aa_challenge,
                                           aa_response=read.aa_response, extra_csca=extra_csca,
                                           simulated=simulated or read.simulated)
    except DomainError as refusal:
        if refusal.commit_changes:
            db.session.commit()
        else:
            db.session.rollback()
        record = identity.latest_record(worker)
        summary = identity.public_summary(record) if record is not None and refusal.commit_changes else {}
        click.echo(json.dumps({"accepted": False, "code": refusal.code, "message": refusal.message, **summary},
                              ensure_ascii=False, indent=2))
        sys.exit(2)
    db.session.commit()
    click.echo(json.dumps({"accepted": True, **identity.public_summary(record)}, ensure_ascii=False, indent=2))

