"""`registry-certverify fetch|check`: fill the cache from the platform, then check tokens offline.

    registry-certverify fetch https://registry.example.cn [--cache DIR]
    registry-certverify check TOKEN [--cache DIR]     (or the token on standard input)

`check` never touches the network: it reads `jwks.json` and
`status-list-<id>.jws` from the cache folder (default
~/.cache/registry-certverify) and prints one JSON line; the exit status is
0 for a valid certificate, 1 for a refused one, 2 when the cache is missing
or out of date (run `fetch`).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path

from certverify import verifier

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "registry-certverify"
CACHE_CODES = ("status_list_missing", "status_list_expired", "no_keys")


class Cache:
    """The cached JWKS and status lists in one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def keys(self) -> dict:
        path = self.folder / "jwks.json"
        return verifier.load_jwks(json.loads(path.read_text())) if path.exists() else {}

    def lists(self, keys: dict, now: float | None = None) -> dict[int, verifier.StatusList]:
        lists = {}
        for path in sorted(self.folder.glob("status-list-*.jws")):
            try:
                status_list = verifier.load_status_list(path.read_text().strip(), keys, now)
            except verifier.Refused:
                continue  # an expired or damaged list counts as missing
            lists[status_list.list_id] = status_list
        return lists

    def store(self, name: str, text: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.partial"
        partial.write_text(text)
        partial.replace(self.folder / name)


def _get(url: str, timeout: float = 10.0) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                timeout=timeout) as response:
        return response.read()


def fetch(base_url: str, cache: Cache) -> dict:
    """Download the JWKS and every status list; each list is verified before it is kept."""
    base = base_url.rstrip("/")
    jwks = json.loads(_get(f"{base}/.well-known/jwks.json"))
    keys = verifier.load_jwks(jwks)
    index = json.loads(_get(f"{base}/api/v1/certificates/status-lists"))
    kept = []
    for entry in index.get("lists", []):
        credential = json.loads(_get(f"{base}/api/v1/certificates/status-lists/{int(entry['id'])}"))["credential"]
        status_list = verifier.load_status_list(credential, keys)
        cache.store(f"status-list-{status_list.list_id}.jws", credential)
        kept.append(status_list.list_id)
    cache.store("jwks.json", json.dumps(jwks))
    return {"keys": len(keys), "lists": kept}


def check(token: str, cache: Cache, now: float | None = None) -> tuple[int, dict]:
    """(exit status, answer) for one token, from the cache alone."""
    keys = cache.keys()
    if not keys:
        return 2, {"valid": False, "code": "no_keys"}
    try:
        result = verifier.verify(token, keys, cache.lists(keys, now), now)
    except verifier.Refused as refused:
        return (2 if refused.code in CACHE_CODES else 1), {"valid": False, "code": refused.code}
    return 0, {"valid": True, "status": result.status, "status_code": result.status_code,
               "expires_at": result.expires_at}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="registry-certverify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache folder")
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_parser = commands.add_parser("fetch", help="download the JWKS and the status lists (the only network use)")
    fetch_parser.add_argument("base_url")
    check_parser = commands.add_parser("check", help="check a token against the cache, offline")
    check_parser.add_argument("token", nargs="?", help="the scanned token (default: standard input)")
    args = parser.parse_args(argv)
    cache = Cache(args.cache)
    if args.command == "fetch":
        try:
            print(json.dumps(fetch(args.base_url, cache)))
        except (OSError, ValueError, KeyError, verifier.Refused) as error:
            print(json.dumps({"error": type(error).__name__, "detail": str(error)[:200]}), file=sys.stderr)
            return 2
        return 0
    token = args.token if args.token is not None else sys.stdin.read()
    status, answer = check(token.strip(), cache)
    print(json.dumps(answer))
    return status


if __name__ == "__main__":
    sys.exit(main())
