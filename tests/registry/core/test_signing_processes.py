"""Signing keys are shared by every process: the first key is made once, a token signed in one
process verifies in another, and a rotation made by a third is seen within seconds, no restart."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from registry.core.signing import b64url, b64url_decode
from tests.factories.deployment import ROOT, deployment_env

pytestmark = pytest.mark.own_app
REFRESH_SECONDS = 0.5


@pytest.fixture
def deployment(tmp_path, database_url):
    """Environment of one deployment on a fresh database (the suite's own database is not touched)."""
    return deployment_env(database_url, tmp_path, "registry_signing_test",
                          SIGNING_KEYS_REFRESH_SECONDS=str(REFRESH_SECONDS))


class KeyRingProcess:
    """One real Python process holding the app, answering commands (see keyring_process.py)."""

    def __init__(self, env: dict):
        self.process = subprocess.Popen([sys.executable, "-m", "tests.registry.core.keyring_process"], cwd=ROOT,
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.process.stdout.readline()) == {"ready": True}

    def ask(self, line: str) -> dict:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


@pytest.fixture
def two_processes(deployment):
    processes = [KeyRingProcess(deployment), KeyRingProcess(deployment)]
    yield processes
    for process in processes:
        process.close()


def test_two_processes_make_one_first_key_at_the_same_moment(two_processes):
    answers = [None, None]
    barrier = threading.Barrier(2)

    def ask(index):
        barrier.wait()
        answers[index] = two_processes[index].ask("current")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers[0]["kid"] == answers[1]["kid"]


def test_a_token_signed_in_one_process_verifies_in_another_before_and_after_a_rotation(two_processes, deployment):
    signer, verifier = two_processes
    first = signer.ask("sign")
    assert verifier.ask(f"verify {first['token']}") == {"valid": True, "kid": first["kid"]}

    rotated = subprocess.run([sys.executable, "-m", "flask", "certs", "rotate-key"], cwd=ROOT, env=deployment,
                             capture_output=True, text=True, timeout=120)
    assert rotated.returncode == 0, rotated.stderr[-2000:]
    new_kid = rotated.stdout.split("signing with key ")[1].split(";")[0]
    assert new_kid != first["kid"]

    time.sleep(REFRESH_SECONDS * 2)  # each process re-checks the ring this often; no restart
    second = signer.ask("sign")
    assert second["kid"] == new_kid
    assert verifier.ask(f"verify {second['token']}") == {"valid": True, "kid": new_kid}
    assert verifier.ask(f"verify {first['token']}") == {"valid": True, "kid": first["kid"]}  # old key still verifies


def test_a_token_naming_a_key_nobody_has_is_refused(two_processes):
    signer, verifier = two_processes
    token = signer.ask("sign")["token"]
    header, body, signature = token.split(".")
    forged = json.loads(b64url_decode(header))
    forged["kid"] = "no-such-key"
    other = b64url(json.dumps(forged, separators=(",", ":")).encode())
    assert verifier.ask(f"verify {other}.{body}.{signature}") == {"valid": False, "reason": "unknown_key"}


def test_a_rotation_during_load_refuses_no_scan(two_processes, deployment):
    signer, verifier = two_processes
    signer.ask("current")
    results: list[dict] = []
    kids: set[str] = set()
    stop = threading.Event()

    def scan_continuously():
        while not stop.is_set():
            signed = signer.ask("sign")
            kids.add(signed["kid"])
            results.append(verifier.ask(f"verify {signed['token']}"))

    scanning = threading.Thread(target=scan_continuously)
    scanning.start()
    try:
        time.sleep(0.5)
        rotated = subprocess.run([sys.executable, "-m", "flask", "certs", "rotate-key"], cwd=ROOT, env=deployment,
                                 capture_output=True, text=True, timeout=120)
        assert rotated.returncode == 0, rotated.stderr[-2000:]
        time.sleep(REFRESH_SECONDS * 4)
    finally:
        stop.set()
        scanning.join(timeout=60)
    assert len(kids) == 2, "the signer never picked up the new key"
    refused = [r for r in results if not r["valid"]]
    assert len(results) > 50 and refused == []
