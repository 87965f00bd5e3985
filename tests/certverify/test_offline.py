"""The offline verifier (Python console script and the JavaScript snippet) against the platform's own answers."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from certverify import cli, verifier
from workers.certificates import services as certificates
from workers.certificates import status_lists
from workers.models import RegistrationStep

ROOT = Path(__file__).resolve().parents[2]


def _fill_cache(client, folder: Path) -> cli.Cache:
    """What `registry-certverify fetch` stores, taken from the app's own endpoints."""
    cache = cli.Cache(folder)
    cache.store("jwks.json", json.dumps(client.get("/.well-known/jwks.json").get_json()))
    for entry in client.get("/api/v1/certificates/status-lists").get_json()["lists"]:
        cache.store(f"status-list-{entry['id']}.jws", client.get(entry["url"]).get_json()["credential"])
    return cache


@pytest.fixture
def published(client, worker_account, db_session, tmp_path):
    _, worker = worker_account
    shown = certificates.show(worker)
    status_lists.publish(shown.certificate.status_list_id)
    return shown, _fill_cache(client, tmp_path / "cache")


def test_a_valid_token_passes_offline_with_the_platforms_answer(client, published):
    shown, cache = published
    status, answer = cli.check(shown.token, cache)
    online = client.get("/api/v1/certificates/verification", query_string={"token": shown.token}).get_json()
    assert status == 0 and answer["valid"] is True and answer["status"] == online["status"] == "active"
    assert answer["status_code"] == shown.status_code.colour == "yellow"  # no verified health check yet


def test_the_status_code_in_the_token_turns_from_green_to_yellow_on_its_day(published):
    shown, cache = published
    keys = cache.keys()
    lists = cache.lists(keys, None)
    token = shown.token
    claims = json.loads(verifier.b64url_decode(token.split(".")[1]))
    assert claims["sc"] == "yellow" and "scu" not in claims  # only green carries the day it holds until
    green = {**claims, "sc": "green", "scu": "2026-01-01"}
    assert verifier._status_code(green, "active", time.mktime((2026, 1, 1, 12, 0, 0, 0, 0, 0))) == "green"
    assert verifier._status_code(green, "active", time.mktime((2026, 1, 3, 12, 0, 0, 0, 0, 0))) == "yellow"
    assert verifier._status_code(green, "departed", 0) == "red"
    assert verifier.verify(token, keys, lists).status_code == "yellow"


def test_revocation_and_withdrawal_show_once_the_list_is_fetched_again(client, published, worker_account, db_session,
                                                                       tmp_path):
    shown, cache = published
    _, worker = worker_account
    worker.registration_step = RegistrationStep.AUTHORIZATION.value
    db_session.flush()
    status_lists.publish(shown.certificate.status_list_id)
    assert cli.check(shown.token, cache)[0] == 0  # the cached list still says active: offline means stale
    cache = _fill_cache(client, tmp_path / "cache")
    assert cli.check(shown.token, cache) == (1, {"valid": False, "code": "certificate_inactive"})
    certificates.revoke(shown.certificate, "伪造资料", None)
    db_session.flush()
    status_lists.publish(shown.certificate.status_list_id)
    cache = _fill_cache(client, tmp_path / "cache")
    assert cli.check(shown.token, cache) == (1, {"valid": False, "code": "certificate_revoked"})


@pytest.mark.parametrize("mangle, code", [
    (lambda t: t[:-4] + "AAAA", "token_bad_signature"),
    (lambda t: "x.y.z", "token_malformed"),
    (lambda t: "", "token_malformed"),
    (lambda t: t + "." + t, "token_malformed"),
])
def test_tampered_tokens_are_refused(published, mangle, code):
    shown, cache = published
    assert cli.check(mangle(shown.token), cache) == (1, {"valid": False, "code": code})


def test_an_expired_token_or_list_and_a_missing_cache(published, tmp_path):
    shown, cache = published
    later = time.time() + certificates.token_lifetime().total_seconds() + 1
    assert cli.check(shown.token, cache, now=later)[1]["code"] == "token_expired"
    keys = cache.keys()
    credential = next(cache.folder.glob("status-list-*.jws")).read_text()
    stale = time.time() + status_lists.valid_seconds() + 1
    with pytest.raises(verifier.Refused) as info:
        verifier.load_status_list(credential, keys, now=stale)
    assert info.value.code == "status_list_expired"
    assert cli.check(shown.token, cli.Cache(tmp_path / "empty")) == (2, {"valid": False, "code": "no_keys"})
    for path in cache.folder.glob("status-list-*.jws"):
        path.unlink()
    assert cli.check(shown.token, cache) == (2, {"valid": False, "code": "status_list_missing"})


def test_a_list_signed_by_another_key_is_not_trusted(published):
    shown, cache = published
    credential = next(cache.folder.glob("status-list-*.jws")).read_text()
    with pytest.raises(verifier.Refused) as info:
        verifier.load_status_list(credential, {})
    assert info.value.code == "status_list_unknown_key"
    # A certificate token is no status list, and a list is no token.
    with pytest.raises(verifier.Refused) as info:
        verifier.load_status_list(shown.token, cache.keys())
    assert info.value.code == "status_list_wrong_type"


def test_the_console_script_checks_from_the_cache(published):
    shown, cache = published
    script = shutil.which("registry-certverify", path=str(ROOT / ".venv" / "bin"))
    assert script, "pip install -e . puts registry-certverify in the virtualenv"
    done = subprocess.run([script, "--cache", str(cache.folder), "check", shown.token], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["status"] == "active"
    done = subprocess.run([script, "--cache", str(cache.folder), "check"], input="garbage", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and json.loads(done.stdout)["code"] == "token_malformed"


NODE_CHECK = """
const verifier = require(process.argv[1]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const v = await verifier.create(input.jwks, input.lists);
  const answers = [];
  for (const token of input.tokens) answers.push(await v.verify(token));
  console.log(JSON.stringify(answers));
})().catch((e) => { console.error(e); process.exit(3); });
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_javascript_snippet_gives_the_same_answers(client, published, worker_account, db_session):
    shown, cache = published
    _, worker = worker_account
    lists = [path.read_text() for path in cache.folder.glob("status-list-*.jws")]
    tokens = [shown.token, shown.token[:-4] + "AAAA", "x.y.z"]
    done = subprocess.run(["node", "-e", NODE_CHECK, str(ROOT / "static" / "js" / "offline-verifier.js")],
                          input=json.dumps({"jwks": json.loads((cache.folder / "jwks.json").read_text()),
                                            "lists": lists, "tokens": tokens}),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    assert answers[0]["valid"] is True and answers[0]["status"] == "active" and answers[0]["statusCode"] == "yellow"
    assert [a.get("code") for a in answers[1:]] == ["token_bad_signature", "token_malformed"]
    certificates.revoke(shown.certificate, "伪造资料", None)
    db_session.flush()
    revoked_list = client.get(f"/api/v1/certificates/status-lists/{status_lists.publish(shown.certificate.status_list_id).id}")
    done = subprocess.run(["node", "-e", NODE_CHECK, str(ROOT / "static" / "js" / "offline-verifier.js")],
                          input=json.dumps({"jwks": json.loads((cache.folder / "jwks.json").read_text()),
                                            "lists": [revoked_list.get_json()["credential"]], "tokens": [shown.token]}),
                          capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [{"valid": False, "code": "certificate_revoked"}]
