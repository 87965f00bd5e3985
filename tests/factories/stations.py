"""Reader stations: an enrolled station with its key, and signed requests through the Flask test client."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from readerstation import protocol
from readerstation.client import public_key_b64
from registry.core import clock
from workers.identity import stations


@dataclass
class Station:
    id: int
    key: Ed25519PrivateKey


def make_station(name: str = "一号窗口读卡站", place: str = "市民服务中心") -> Station:
    """A registered and enrolled station (flushed, not committed)."""
    key = Ed25519PrivateKey.generate()
    station, code = stations.register_station(name, place, None)
    stations.enrol(code, public_key_b64(key))
    return Station(station.id, key)


def signed_headers(station: Station, method: str, path: str, body: bytes, *, stamp: int | None = None,
                   key: Ed25519PrivateKey | None = None) -> dict[str, str]:
    # The platform's clock (tests move it), not the machine's.
    moment = str(int(clock.now().replace(tzinfo=dt.UTC).timestamp()) if stamp is None else stamp)
    signature = (key or station.key).sign(protocol.signing_input(method, path, moment, body))
    return {protocol.HEADER_STATION: str(station.id), protocol.HEADER_TIME: moment,
            protocol.HEADER_SIGNATURE: base64.b64encode(signature).decode()}


def _multipart(fields: dict[str, bytes | str]) -> tuple[bytes, str]:
    boundary = "stationboundary7MA4YWxkTrZu0gW"
    parts = []
    for name, value in fields.items():
        if isinstance(value, bytes):
            head = f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n' \
                   "Content-Type: application/octet-stream\r\n\r\n"
            parts.append(f"--{boundary}\r\n{head}".encode() + value + b"\r\n")
        else:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def station_call(client, station: Station, method: str, path: str, *, json_body: dict | None = None,
                 form: dict[str, bytes | str] | None = None, **signing):
    """Send a request as the station would: the exact body bytes signed."""
    if form is not None:
        body, content_type = _multipart(form)
    elif json_body is not None:
        body, content_type = json.dumps(json_body).encode(), "application/json"
    else:
        body, content_type = b"", None
    headers = signed_headers(station, method, path, body, **signing)
    return client.open(path, method=method, data=io.BytesIO(body) if body else None, headers=headers,
                       content_type=content_type)
