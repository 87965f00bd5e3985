"""`registry-station`: enrol this PC as a reader station, then read documents for workers' identity pages.

    registry-station enroll --server https://platform.example CODE
    registry-station read WORKER-CODE --document-number E12345678 --birth-date 900101 --expiry-date 300101
    registry-station read WORKER-CODE --can 123456
    registry-station read WORKER-CODE --simulated --face-photo me.jpg      (development platforms only)
    registry-station resident-id WORKER-CODE --record record.bin --photo photo.png
    registry-station status

Output is JSON with the platform's named checks, never the document's data.
Exit status: 0 accepted, 1 refused by the platform or unreadable, 2 misuse (click's usage errors).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from idcard.errors import IdCardError
from idcard.icao.mrz import MRZError, mrz_information
from idcard.transport import NfcpyTransport
from readerstation import client, config, reading


def _emit(payload: dict, code: int = 0) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    sys.exit(code)


def _refused(error: client.PlatformError) -> None:
    _emit({"accepted": False, "status": error.status, "code": error.code, "message": error.message,
           **({"fields": error.fields} if error.fields else {})}, 1)


@click.group()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=config.DEFAULT_PATH,
              show_default=True, envvar="REGISTRY_STATION_CONFIG", help="The station's registration file.")
@click.pass_context
def main(ctx: click.Context, config_path: Path) -> None:
    """A reader station of the household-services credit registry (家政服务信用信息平台读卡站)."""
    ctx.obj = config_path


def _station(ctx: click.Context) -> client.StationClient:
    try:
        settings = config.load(ctx.obj)
    except config.ConfigMissing as exc:
        raise click.UsageError(str(exc)) from None
    return client.StationClient(settings.server, settings.station_id, settings.private_key)


@main.command("enroll")
@click.option("--server", required=True, help="The platform's address, e.g. https://jiazheng.example.gov.cn")
@click.argument("code")
@click.pass_context
def enroll_command(ctx: click.Context, server: str, code: str) -> None:
    """Make this station's key pair and register its public key with the operator's one-time CODE."""
    key = Ed25519PrivateKey.generate()
    try:
        station = client.enrol(server, code, key)
    except client.PlatformError as error:
        _refused(error)
    config.StationConfig(server.rstrip("/"), int(station["id"]), key, station.get("name", "")).save(ctx.obj)
    _emit({"enrolled": True, "station_id": station["id"], "name": station.get("name"), "config": str(ctx.obj)})


@main.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Check that the platform knows this station and its key is not revoked."""
    try:
        _emit({"station": _station(ctx).me()})
    except client.PlatformError as error:
        _refused(error)


@main.command("read")
@click.argument("code")
@click.option("--document-number", help="Document number as printed (with the two dates: the MRZ password).")
@click.option("--birth-date", help="Birth date, YYMMDD.")
@click.option("--expiry-date", help="Expiry date, YYMMDD.")
@click.option("--can", help="The 6-digit card access number printed on the document (PACE only).")
@click.option("--device", default="usb", show_default=True, help="nfcpy reader path (usb, usb:072f:2200, tty:S0).")
@click.option("--wait", default=20.0, show_default=True, help="Seconds to wait for a document on the reader.")
@click.option("--simulated", is_flag=True, help="Read a software card made for the paired account (development "
                                                 "platforms only; production refuses it).")
@click.option("--face-photo", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --simulated: a photo of the worker's face for the card (the face check compares it).")
@click.pass_context
def read_command(ctx, code, document_number, birth_date, expiry_date, can, device, wait, simulated, face_photo):
    """Pair with the worker's identity page by its CODE, read the document, upload it for verification."""
    if simulated and face_photo is None:
        raise click.UsageError("--simulated needs --face-photo: the card's photo must show the worker's real face, "
                               "or the face check that follows cannot pass.")
    mrz = None
    if not simulated:
        if can is None and not (document_number and birth_date and expiry_date):
            raise click.UsageError("give --document-number, --birth-date and --expiry-date, or --can")
        if document_number:
            try:
                mrz = mrz_information(document_number, birth_date or "", expiry_date or "")
            except MRZError as exc:
                raise click.BadParameter(str(exc)) from None
    station = _station(ctx)
    try:
        pairing = station.pair(code, simulated=simulated)
    except client.PlatformError as error:
        _refused(error)
    csca = None
    try:
        if simulated:
            simulated_read = reading.read_simulated(pairing["holder"], face_photo.read_bytes(),
                                                    pairing["aa_challenge"])
            read, csca = simulated_read.read, simulated_read.csca_pem
        else:
            with NfcpyTransport(device, wait=wait) as transport:
                read = reading.read_real(transport, mrz_information=mrz, can=can,
                                         aa_challenge=pairing["aa_challenge"])
    except IdCardError as exc:
        problem = reading.problem_of(exc)
        try:
            station.report_problem(pairing["read_id"], problem)
        except client.PlatformError:
            pass  # the pairing expires by itself; the worker asks for a new code either way
        _emit({"accepted": False, "code": problem, "message": f"the document could not be read: {type(exc).__name__}"}, 1)
    try:
        record = station.upload_chip(pairing["read_id"], read, csca_pem=csca)
    except client.PlatformError as error:
        _refused(error)
    _emit({"accepted": True, "access_protocol": getattr(read, "access_protocol", None), "record": record})


@main.command("resident-id")
@click.argument("code")
@click.option("--record", "record_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The 256-byte record the SAM reader's SDK wrote.")
@click.option("--photo", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The card photo the SDK decoded (JPEG or PNG).")
@click.option("--simulated", is_flag=True, help="A simulated card for the paired account (development only).")
@click.option("--face-photo", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --simulated: a photo of the worker's face.")
@click.pass_context
def resident_id_command(ctx, code, record_file, photo, simulated, face_photo):
    """Pair by CODE and upload a resident ID card read by a certified SAM reader (record + decoded photo)."""
    if simulated and face_photo is None:
        raise click.UsageError("--simulated needs --face-photo (the worker's real face)")
    if not simulated and not (record_file and photo):
        raise click.UsageError("give --record and --photo (the SAM reader SDK's output), or --simulated")
    station = _station(ctx)
    try:
        pairing = station.pair(code, simulated=simulated)
        if simulated:
            record, picture = reading.simulated_resident_card(pairing["holder"], face_photo.read_bytes())
        else:
            record, picture = record_file.read_bytes(), photo.read_bytes()
        answer = station.upload_resident_id(pairing["read_id"], record, picture)
    except client.PlatformError as error:
        _refused(error)
    _emit({"accepted": True, "record": answer})
