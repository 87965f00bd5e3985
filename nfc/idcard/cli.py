"""``nfc`` command group: read documents and manage the CSCA trust store.

Registered on the Flask app with ``app.cli.add_command(nfc_cli)``; inside
an app context the trust store folder comes from ``NFC_TRUST_STORE`` or
``<instance>/csca``, otherwise from ``--trust-store``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import uuid
from pathlib import Path

import click

from .errors import IdCardError
from .icao.crl import looks_like_crl
from .icao.mrz import MRZError, mrz_information
from .icao.reader import ChipReader
from .icao.trust import TrustStore, import_crl_into_folder, import_report, load_certificates
from .transport import NfcpyTransport
from .verification import VerificationService

#: Identity of the software card used by ``read --simulated``.
DEMO = {"document_number": "D23145890", "birth_date": "850412",
        "surname": "MUSTERFRAU", "given_names": "ERIKA", "sex": "F"}


def trust_store_folder(option: str | None) -> str:
    """Resolve the trust store folder from the option or the Flask app."""
    if option:
        return option
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is a dependency
        has_app_context = None
    if has_app_context is not None and has_app_context():
        return current_app.config.get("NFC_TRUST_STORE") or os.path.join(
            current_app.instance_path, "csca")
    raise click.UsageError("--trust-store PATH is required outside the "
                           "Flask app")


@click.group("nfc")
def nfc_cli() -> None:
    """Identity documents over NFC (ICAO 9303 eMRTD)."""


def _ask(value: str | None, label: str) -> str:
    return value if value else click.prompt(label)


@nfc_cli.command("read")
@click.option("--document-number", help="Document number as printed.")
@click.option("--birth-date", help="Birth date, YYMMDD.")
@click.option("--expiry-date", help="Expiry date, YYMMDD.")
@click.option("--can", help="Card access number printed on the document "
                            "(PACE only; replaces the MRZ data).")
@click.option("--device", default="usb", show_default=True,
              help="nfcpy reader path (usb, usb:054c:06c3, tty:USB0:pn532).")
@click.option("--simulated", is_flag=True,
              help="Read the software card with a fresh test PKI instead of "
                   "a real document (never for production use).")
@click.option("--trust-store", "trust_store", type=click.Path(),
              help="Folder with CSCA certificates and master lists.")
@click.option("--timeout", default=2.0, show_default=True,
              help="Seconds to wait for each card response.")
@click.option("--wait", default=20.0, show_default=True,
              help="Seconds to wait for a card on the reader.")
@click.option("--face-out", type=click.Path(dir_okay=False),
              help="Write the DG2 facial image to this file.")
def read_command(document_number, birth_date, expiry_date, can, device,
                 simulated, trust_store, timeout, wait, face_out) -> None:
    """Read a document, verify it and print a JSON summary.

    Exit status 0 when every check passed, 2 when a check failed.
    """
    try:
        if simulated:
            summary = _read_simulated(document_number, birth_date,
                                      expiry_date, can)
        else:
            info = None
            if can is None:
                document_number = _ask(document_number, "Document number")
                birth_date = _ask(birth_date, "Birth date (YYMMDD)")
                expiry_date = _ask(expiry_date, "Expiry date (YYMMDD)")
                info = mrz_information(document_number, birth_date,
                                       expiry_date)
            store = TrustStore.from_folder(trust_store_folder(trust_store))
            with NfcpyTransport(device, timeout=timeout, wait=wait) as link:
                summary = _read_and_verify(link, info, store, can)
    except MRZError as exc:
        raise click.BadParameter(str(exc)) from exc
    except IdCardError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    result, face = summary
    if face_out and face:
        Path(face_out).write_bytes(face)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    if not result["ok"]:
        sys.exit(2)


def _read_and_verify(transport, info: str | None, store: TrustStore,
                     can: str | None = None):
    service = VerificationService(store)
    session = uuid.uuid4().hex
    challenge = service.issue_challenge(session)
    read = ChipReader(transport).read(info, can=can, aa_challenge=challenge)
    result = service.verify_emrtd(read.files, session_key=session,
                                  aa_challenge=read.aa_challenge,
                                  aa_response=read.aa_response,
                                  ca_transcript=read.ca_transcript,
                                  simulated=read.simulated)
    summary = result.to_dict()
    summary["access_protocol"] = read.access_protocol
    summary["apdu_count"] = read.apdu_count
    summary["files"] = {name: len(data) for name, data in read.files.items()}
    summary["notes"] = read.notes
    return summary, result.face_image


def _read_simulated(document_number, birth_date, expiry_date, can=None):
    from .softcard import SoftwareCardTransport, build_document

    # A current passport: PACE and BAC, Chip and Active Authentication.
    # Given a CAN, the card is printed with it (a demo has no real card).
    doc = build_document(aa="ec", access="both", chip_authentication="ec",
                         can=can, **DEMO)
    info = doc.mrz_information
    if can is not None:
        store = TrustStore([doc.csca_certificate])
        return _read_and_verify(SoftwareCardTransport(doc.card()), None,
                                store, can)
    if document_number or birth_date or expiry_date:
        # Given values are used for BAC as with a real card, so a wrong one
        # fails the same way.
        info = mrz_information(document_number or DEMO["document_number"],
                               birth_date or doc.mrz.birth_date,
                               expiry_date or doc.mrz.expiry_date)
    store = TrustStore([doc.csca_certificate])
    return _read_and_verify(SoftwareCardTransport(doc.card()), info, store)


@nfc_cli.group("trust")
def trust_group() -> None:
    """Manage the CSCA trust store folder."""


@trust_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--trust-store", "trust_store", type=click.Path(),
              help="Trust store folder (default: from the Flask app).")
def trust_import(file, trust_store) -> None:
    """Import CSCA certificates (PEM/DER), an ICAO master list or a CSCA's CRL (DER/PEM).

    A CRL is told apart by its content and must verify with a CSCA already in the store, so
    import the CSCAs first.
    """
    folder = trust_store_folder(trust_store)
    data = Path(file).read_bytes()
    if looks_like_crl(data):
        _import_crl(folder, data)
        return
    try:
        written, refused = import_report(folder, data)
    except IdCardError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        cert = load_certificates(path.read_bytes())[0]
        click.echo(f"{path.name}  {cert.subject.rfc4514_string()}")
    for position, reason in refused:
        click.echo(f"not imported: certificate {position} of the master list: {reason}")
    click.echo(f"{len(written)} CSCA certificate(s) in {folder}; {len(refused)} could not be used")


def _import_crl(folder: str, data: bytes) -> None:
    try:
        path, entry = import_crl_into_folder(folder, data)
    except IdCardError as exc:
        raise click.ClickException(str(exc)) from exc
    crl = entry.crl
    due = f"{crl.next_update_utc:%Y-%m-%d}" if crl.next_update_utc else "not given"
    click.echo(f"{path.name}  CRL of {entry.csca.subject.rfc4514_string()}: {len(crl)} revoked "
               f"certificate(s), next update {due}")
    if entry.stale_at(_dt.datetime.now(_dt.UTC)):
        click.echo("warning: this CRL is past its nextUpdate; under the default stale-CRL policy (block) "
                   "documents of this CSCA fail passive authentication until a current CRL is imported")


@trust_group.command("list")
@click.option("--trust-store", "trust_store", type=click.Path(),
              help="Trust store folder (default: from the Flask app).")
def trust_list(trust_store) -> None:
    """List the trusted CSCA certificates."""
    folder = trust_store_folder(trust_store)
    try:
        store = TrustStore.from_folder(folder)
    except IdCardError as exc:
        raise click.ClickException(str(exc)) from exc
    for cert in store.certificates:
        click.echo(f"{cert.not_valid_after_utc:%Y-%m-%d}  "
                   f"{cert.subject.rfc4514_string()}")
    now = _dt.datetime.now(_dt.UTC)
    for entry in store.crls:
        due = entry.crl.next_update_utc
        state = "  STALE: past its nextUpdate" if entry.stale_at(now) else ""
        click.echo(f"{f'{due:%Y-%m-%d}' if due else 'no nextUpdate'}  CRL of "
                   f"{entry.csca.subject.rfc4514_string()} ({len(entry.crl)} revoked){state}")
    click.echo(f"{len(store)} CSCA certificate(s) and {len(store.crls)} CRL(s) in {folder}")
