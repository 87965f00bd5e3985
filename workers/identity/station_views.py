"""Reader stations over the API (signed requests, no session) and the operators' station pages."""
from __future__ import annotations

import base64
import json
from functools import wraps

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.core.extensions import csrf
from registry.web.api import ApiValidationError, dump, load_body, operation
from registry.web.helpers import flash_success, refusal_errors, roles_required
from workers.identity import stations
from workers.identity.schemas import (
    CHIP_FILE_NAMES,
    IdentityRecordSchema,
    PairingResultSchema,
    PairingSchema,
    ProblemSchema,
    ResidentIdFormSchema,
    StationChipReadFormSchema,
    StationEnrolmentSchema,
    StationSchema,
)
from workers.identity.views import b64_field, record_view
from workers.views import bp

TAGS = ("reader stations",)
ADMIN = Role.ADMIN.value
MAX_CHIP_FILE = 256 * 1024  # no LDS1 file comes close (idcard's own limit)
MAX_CERTIFICATE = 16 * 1024
MAX_PHOTO = 2 * 1024 * 1024
MAX_TRANSCRIPT = 16 * 1024


def station_required(view):
    """Station API views: the request must be signed by an enrolled, unrevoked station (401 otherwise)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        path = request.full_path if request.query_string else request.path
        g.station = stations.authenticate(request.headers, request.method, path, request.get_data(cache=True))
        return view(*args, **kwargs)

    wrapper.requires_login = True  # the OpenAPI document lists 401 for it
    return csrf.exempt(wrapper)


def _file(name: str, limit: int, errors: dict, *, required: bool = False) -> bytes | None:
    storage = request.files.get(name)
    data = storage.stream.read(limit + 1) if storage else b""
    if len(data) > limit:
        errors[name] = [_("This file is too large.")]
    elif not data and required:
        errors[name] = [_("This file is required.")]
    return data or None


def _transcript(errors: dict) -> dict | None:
    raw = request.form.get("chip_authentication", "").strip()
    if not raw:
        return None
    if len(raw) > MAX_TRANSCRIPT:
        errors["chip_authentication"] = [_("This field is too long.")]
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        errors["chip_authentication"] = [_("Send the chip-authentication transcript as a JSON object.")]
        return None
    return value


# --- API: enrolment (with the operator's one-time code) ----------------------

@bp.post("/api/v1/stations")
@operation("Enrol a reader station: the operator's one-time code and the station's Ed25519 public key",
           body=StationEnrolmentSchema, response=StationSchema, status=201, errors=(404, 409), tags=TAGS)
@csrf.exempt
def api_station_enrol():
    data = load_body(StationEnrolmentSchema)
    station = stations.enrol(data["code"], data["public_key"])
    return dump(StationSchema, station, status=201)


@bp.get("/api/v1/stations/me")
@operation("The signing station's own registration (a signed request)", response=StationSchema, tags=TAGS)
@station_required
def api_station_me():
    return dump(StationSchema, g.station)


@bp.post("/api/v1/stations/me/pairings")
@operation("Pair with a worker's identity page by its code: a read to upload and the Active-Authentication "
           "challenge to relay to the chip (a signed request)", body=PairingSchema, response=PairingResultSchema,
           status=201, errors=(403, 404, 409, 429), tags=TAGS)
@station_required
def api_station_pair():
    data = load_body(PairingSchema)
    read, challenge, holder = stations.pair(g.station, data["code"], simulated=data["simulated"])
    return dump(PairingResultSchema, {"read_id": read.id, "aa_challenge": base64.b64encode(challenge).decode(),
                                      "expires_in": int(stations.PAIRING_TTL.total_seconds()), "holder": holder},
                status=201)


@bp.post("/api/v1/stations/me/reads/<int:read_id>/chip")
@operation("Upload a chip read for a pairing: multipart/form-data with files COM, SOD, DG1..DG16, fields "
           "aa_challenge and aa_response (base64), chip_authentication (the transcript, JSON), access_protocol, "
           "and for a simulated read the software card's CSCA (file csca). Every check is redone on the platform.",
           form=StationChipReadFormSchema, response=IdentityRecordSchema, status=201,
           errors=(403, 409, 410, 429), tags=TAGS)
@station_required
def api_station_chip_read(read_id: int):
    errors: dict = {}
    files = {}
    for name in CHIP_FILE_NAMES:
        data = _file(name, MAX_CHIP_FILE, errors)
        if data:
            files[name] = data
    unknown = [name for name in request.files if name not in CHIP_FILE_NAMES and name != "csca"]
    for name in unknown[:5]:
        errors[name[:20]] = [_("Unknown file; send COM, SOD or DG1 to DG16.")]
    if not files and not errors:
        errors["files"] = [_("Send the files read from the chip.")]
    challenge, response = b64_field("aa_challenge", errors), b64_field("aa_response", errors)
    transcript = _transcript(errors)
    csca = _file("csca", MAX_CERTIFICATE, errors)
    access = request.form.get("access_protocol", "").strip().upper() or None
    if access not in (None, "PACE", "BAC"):
        errors["access_protocol"] = [_("Must be one of: PACE, BAC.")]
    if errors:
        raise ApiValidationError(_("Some fields are not valid."), fields=errors)
    record = stations.submit_chip(g.station, read_id, files, aa_challenge=challenge, aa_response=response,
                                  ca_transcript=transcript, access_protocol=access, simulated_csca=csca)
    return dump(IdentityRecordSchema, record_view(record), status=201)


@bp.post("/api/v1/stations/me/reads/<int:read_id>/resident-id")
@operation("Upload a Chinese resident ID card read by the station's certified SAM reader: multipart/form-data "
           "with file record (the 256-byte text record) and file photo (the card photo the reader's SDK "
           "decoded, JPEG or PNG). The station's signature is what vouches for both.",
           form=ResidentIdFormSchema, response=IdentityRecordSchema, status=201,
           errors=(403, 409, 410, 429), tags=TAGS)
@station_required
def api_station_resident_id(read_id: int):
    errors: dict = {}
    record_bytes = _file("record", 4096, errors, required=True)
    photo = _file("photo", MAX_PHOTO, errors, required=True)
    if errors:
        raise ApiValidationError(_("Some fields are not valid."), fields=errors)
    record = stations.submit_resident_id(g.station, read_id, record_bytes, photo)
    return dump(IdentityRecordSchema, record_view(record), status=201)


@bp.post("/api/v1/stations/me/reads/<int:read_id>/problems")
@operation("Report that the document could not be read (the worker's page says why)", body=ProblemSchema,
           status=204, errors=(409, 410), tags=TAGS)
@station_required
def api_station_problem(read_id: int):
    data = load_body(ProblemSchema)
    stations.report_problem(g.station, read_id, data["problem"])
    return "", 204


# --- operators ---------------------------------------------------------------

@bp.route("/admin/identity/stations", methods=["GET", "POST"])
@roles_required(ADMIN)
def stations_page():
    """读卡站: register a station (its enrolment code is shown once), see them all, revoke one."""
    errors: dict = {}
    new = None
    if request.method == "POST":
        try:
            station, code = stations.register_station(request.form.get("name", ""), request.form.get("place", ""),
                                                      current_user._get_current_object())
        except DomainError as exc:
            errors = refusal_errors(exc)
        else:
            new = {"station": station, "code": code}
    return render_template("workers/stations.html", stations=stations.list_stations(),
                           reads=stations.reads_by_station(), new=new, errors=errors,
                           server_url=request.host_url.rstrip("/"), form=request.form), 422 if errors else 200


@bp.post("/admin/identity/stations/<int:station_id>/revocation")
@roles_required(ADMIN)
def station_revoke(station_id: int):
    station = stations.revoke_station(station_id, current_user._get_current_object())
    flash_success(_("The station %(name)s has been revoked.", name=station.name))
    return redirect(url_for("workers.stations_page"))

