"""The platform's station API over HTTP, every request signed with the station's key."""
from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from idcard.icao.reader import ChipReadResult
from readerstation import protocol


class PlatformError(Exception):
    """The platform refused a request; message is its words for the person at the station."""

    def __init__(self, status: int, code: str, message: str, fields: Mapping | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, dict(fields or {})


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    return base64.b64encode(private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _answer(response: requests.Response) -> dict:
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = {}
    if response.status_code >= 400:
        raise PlatformError(response.status_code, body.get("code", "http_error"),
                            body.get("message", f"HTTP {response.status_code}"), body.get("fields"))
    return body


def _unreachable(server: str, error: requests.RequestException) -> PlatformError:
    return PlatformError(0, "platform_unreachable", f"the platform at {server} cannot be reached "
                                                    f"({type(error).__name__}); check the address and the network")


def enrol(server: str, code: str, private_key: Ed25519PrivateKey, *, timeout: float = 30) -> dict:
    """Send the station's public key with the operator's one-time code; returns the station's registration."""
    try:
        response = requests.post(f"{server.rstrip('/')}/api/v1/stations", timeout=timeout,
                                 json={"code": code, "public_key": public_key_b64(private_key)})
    except requests.RequestException as error:
        raise _unreachable(server, error) from None
    return _answer(response)


class StationClient:
    """Signed calls to the platform for one enrolled station."""

    def __init__(self, server: str, station_id: int, private_key: Ed25519PrivateKey, *,
                 session: requests.Session | None = None, timeout: float = 30, clock=time.time) -> None:
        self.server = server.rstrip("/")
        self.station_id, self.key = station_id, private_key
        self.http = session or requests.Session()
        self.timeout, self.clock = timeout, clock

    def _call(self, method: str, path: str, **kwargs) -> dict:
        prepared = self.http.prepare_request(requests.Request(method, self.server + path, **kwargs))
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        stamp = str(int(self.clock()))
        signed_path = prepared.path_url
        prepared.headers[protocol.HEADER_STATION] = str(self.station_id)
        prepared.headers[protocol.HEADER_TIME] = stamp
        prepared.headers[protocol.HEADER_SIGNATURE] = base64.b64encode(
            self.key.sign(protocol.signing_input(method, signed_path, stamp, body))).decode()
        try:
            return _answer(self.http.send(prepared, timeout=self.timeout))
        except requests.RequestException as error:
            raise _unreachable(self.server, error) from None

    def me(self) -> dict:
        return self._call("GET", "/api/v1/stations/me")

    def pair(self, code: str, *, simulated: bool = False) -> dict:
        """Pair with a worker's page: {read_id, aa_challenge (bytes), expires_in, holder}."""
        answer = self._call("POST", "/api/v1/stations/me/pairings", json={"code": code, "simulated": simulated})
        answer["aa_challenge"] = base64.b64decode(answer["aa_challenge"])
        return answer

    def upload_chip(self, read_id: int, read: ChipReadResult, *, csca_pem: bytes | None = None) -> dict:
        files = {name: (name, data, "application/octet-stream") for name, data in read.files.items()}
        if csca_pem:
            files["csca"] = ("csca.pem", csca_pem, "application/x-pem-file")
        data = {}
        if read.aa_challenge is not None and read.aa_response is not None:
            data["aa_challenge"] = base64.b64encode(read.aa_challenge).decode()
            data["aa_response"] = base64.b64encode(read.aa_response).decode()
        transcript = getattr(read, "ca_transcript", None)
        if transcript is not None:
            data["chip_authentication"] = json.dumps(transcript.to_dict())
        access = getattr(read, "access_protocol", None)
        if access:
            data["access_protocol"] = access
        return self._call("POST", f"/api/v1/stations/me/reads/{read_id}/chip", files=files, data=data)

    def upload_resident_id(self, read_id: int, record: bytes, photo: bytes) -> dict:
        files = {"record": ("record.bin", record, "application/octet-stream"),
                 "photo": ("photo.png", photo, "image/png")}
        return self._call("POST", f"/api/v1/stations/me/reads/{read_id}/resident-id", files=files)

    def report_problem(self, read_id: int, problem: str) -> None:
        self._call("POST", f"/api/v1/stations/me/reads/{read_id}/problems", json={"problem": problem})
