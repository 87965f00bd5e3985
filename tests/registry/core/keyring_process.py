"""A long-lived process holding the app's certificate key ring, driven line by line over stdin.

Started by test_signing_processes.py: each line is a command, each answer one JSON line.
    current          -> {"kid": ...}        (makes the first key if none exists)
    sign             -> {"token": ..., "kid": ...}
    verify TOKEN     -> {"valid": true, "kid": ...} or {"valid": false, "reason": ...}
The app is configured from REGISTRY_* variables, like a gunicorn worker.
"""
from __future__ import annotations

import datetime as dt
import json
import sys

from registry.app import create_app
from registry.core import tokens
from registry.core.signing import key_ring

TOKEN_TYPE = "test+jws"


def answer(app, line: str) -> dict:
    command, _, argument = line.strip().partition(" ")
    with app.app_context():
        ring = key_ring("certificates")
        if command == "current":
            return {"kid": ring.current().kid}
        if command == "sign":
            token = tokens.issue(ring, {"cid": "probe"}, dt.timedelta(minutes=5), TOKEN_TYPE)
            return {"token": token, "kid": ring.current().kid}
        if command == "verify":
            try:
                return {"valid": True, "kid": tokens.verify(ring, argument, TOKEN_TYPE).kid}
            except tokens.TokenError as error:
                return {"valid": False, "reason": str(error)}
    return {"error": f"unknown command {command!r}"}


def main() -> None:
    app = create_app()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(answer(app, line)), flush=True)


if __name__ == "__main__":
    main()
