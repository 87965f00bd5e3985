"""Where a station keeps its registration: the platform's address, its id and its private key (mode 600)."""
from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

DEFAULT_PATH = Path(os.environ.get("REGISTRY_STATION_CONFIG",
                                   Path.home() / ".config" / "registry-station" / "station.json"))


@dataclass
class StationConfig:
    server: str
    station_id: int
    private_key: Ed25519PrivateKey
    name: str = ""

    def save(self, path: Path) -> None:
        """Write the file readable by its owner only (it holds the station's private key)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        text = json.dumps({"server": self.server, "station_id": self.station_id, "name": self.name,
                           "private_key": base64.b64encode(raw).decode()}, indent=2)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text + "\n")


class ConfigMissing(Exception):
    """The station has not been enrolled on this machine (or the file is damaged)."""


def load(path: Path) -> StationConfig:
    try:
        data = json.loads(path.read_text())
        key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["private_key"]))
        return StationConfig(data["server"], int(data["station_id"]), key, data.get("name", ""))
    except FileNotFoundError:
        raise ConfigMissing(f"{path} does not exist: enrol the station first (registry-station enroll)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigMissing(f"{path} is damaged ({type(exc).__name__}); enrol the station again") from None
