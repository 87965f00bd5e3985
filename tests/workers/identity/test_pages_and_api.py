"""The identity pages and API: the binding code, the face step, phone uploads, refusals."""
from __future__ import annotations

import base64
import io

import pytest

from idcard.icao.reader import ChipReader
from idcard.softcard import SoftwareCardTransport
from tests.factories.accounts import make_account
from tests.factories.face import make_face_check
from tests.factories.http import api_post, csrf_token, form_post, log_in
from tests.factories.identity import make_document, submit_document
from workers.identity import chip as identity_chip
from workers.identity import services as identity

# --- pages and API -----------------------------------------------------------

@pytest.mark.slow  # runs dlib face recognition
def test_identity_page_shows_the_code_and_then_the_face_step(client, worker_account, worker):
    log_in(client, worker_account)
    page = client.get("/workers/identity?lang=en")
    assert page.status_code == 200
    assert 'data-testid="get-binding-code"' in page.get_data(as_text=True)
    assert identity_chip.active_binding(worker) is None  # reading the page writes nothing
    assert form_post(client, "/workers/identity/code", {}).status_code == 302
    code = identity_chip.active_binding(worker).code
    assert code in client.get("/workers/identity?lang=en").get_data(as_text=True)
    status = client.get("/api/v1/workers/me/identity").get_json()
    assert status["state"] == "not_started" and status["binding_code"] == code
    identity_chip.redeem_binding_code(code)  # the desk used it: the poll sees it gone and the page reloads
    assert client.get("/api/v1/workers/me/identity").get_json()["binding_code"] is None
    fresh = client.get("/workers/identity").get_data(as_text=True)
    assert 'data-testid="get-binding-code"' in fresh and code not in fresh
    assert form_post(client, "/workers/identity/code", {}).status_code == 302
    assert identity_chip.active_binding(worker).code != code
    submit_document(make_document(worker_account), worker)
    page = client.get("/workers/identity?lang=en").get_data(as_text=True)
    assert "data-face-capture" in page and 'data-purpose="registration"' in page
    assert "Simulated document" in page
    assert client.get("/api/v1/workers/me/identity").get_json()["state"] == "awaiting_face"


@pytest.mark.slow  # runs dlib face recognition
def test_identity_page_completes_with_a_face_check(client, worker_account, worker):
    record = submit_document(make_document(worker_account), worker)
    log_in(client, worker_account)
    check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    assert f'value="{check.id}"' in client.get(f"/workers/identity?face_check={check.id}").get_data(as_text=True)
    response = form_post(client, "/workers/identity", {"face_check_id": str(check.id)})
    assert response.status_code == 302
    page = client.get("/workers/identity?lang=en").get_data(as_text=True)
    assert 'data-testid="identity-verified"' in page and "Simulated document" in page
    again = form_post(client, "/workers/identity", {"face_check_id": str(check.id)})
    assert again.status_code == 302  # a double submission changes nothing


def test_identity_page_refuses_bad_face_input(client, worker_account, worker):
    log_in(client, worker_account)
    for raw in ("", "abc", "9" * 13):
        response = form_post(client, "/workers/identity?lang=en", {"face_check_id": raw})
        assert response.status_code == 422 and "Verify your face first." in response.get_data(as_text=True)
    response = form_post(client, "/workers/identity?lang=en", {"face_check_id": "12345"})
    assert response.status_code == 422 and "Read your identity document" in response.get_data(as_text=True)


def test_identity_page_before_enterprises(client):
    account = make_account("worker")
    log_in(client, account)
    page = client.get("/workers/identity?lang=en").get_data(as_text=True)
    assert "Choose the enterprises you work for before verifying your identity." in page


def test_identity_pages_are_for_workers(client):
    household = make_account("consumer")
    log_in(client, household)
    assert client.get("/workers/identity").status_code == 403
    assert client.get("/api/v1/workers/me/identity").status_code == 403


def _upload(client, document, worker, extra=None, challenge=True):
    nonce = None
    if challenge:
        answer = client.post("/api/v1/workers/me/identity/chip-challenges",
                             headers={"X-CSRFToken": csrf_token(client)})
        assert answer.status_code == 201, answer.get_json()
        nonce = base64.b64decode(answer.get_json()["challenge"])
    read = ChipReader(SoftwareCardTransport(document.card())).read(document.mrz_information, aa_challenge=nonce)
    data = {name: (io.BytesIO(content), name) for name, content in read.files.items()}
    if read.aa_response:
        data["aa_challenge"] = base64.b64encode(read.aa_challenge).decode()
        data["aa_response"] = base64.b64encode(read.aa_response).decode()
    data.update(extra or {})
    return client.post("/api/v1/workers/me/identity/chip-reads", data=data, content_type="multipart/form-data",
                       headers={"X-CSRFToken": csrf_token(client)})


@pytest.mark.slow  # runs dlib face recognition
def test_phone_upload_is_verified_on_the_server(app, client, worker_account, worker, monkeypatch, tmp_path):
    document = make_document(worker_account)
    log_in(client, worker_account)
    untrusted = _upload(client, document, worker)
    assert untrusted.status_code == 422 and untrusted.get_json()["code"] == "checks_failed"
    assert identity.latest_record(worker).failure == "checks_failed"  # the refusal was committed
    (tmp_path / "csca.pem").write_bytes(document.pki.csca_pem)
    monkeypatch.setitem(app.config, "NFC_TRUST_STORE", str(tmp_path))
    accepted = _upload(client, document, worker)
    assert accepted.status_code == 201, accepted.get_json()
    body = accepted.get_json()
    assert body["document_verified_at"] and body["simulated"] is True
    assert body["checks"]["active_authentication"]["status"] == "passed"
    record = identity.latest_record(worker)
    check = make_face_check(worker_account, "registration", reference_id=record.face_reference_id)
    done = api_post(client, "/api/v1/workers/me/identity/face", {"face_check_id": check.id})
    assert done.status_code == 200 and done.get_json()["verified_at"]


def test_phone_upload_bad_input(client, worker_account, worker):
    log_in(client, worker_account)
    document = make_document(worker_account)
    headers = {"X-CSRFToken": csrf_token(client)}
    url = "/api/v1/workers/me/identity/chip-reads"
    empty = client.post(url, data={}, content_type="multipart/form-data", headers=headers)
    assert empty.status_code == 422 and "files" in empty.get_json()["fields"]
    odd = client.post(url, data={"DG99": (io.BytesIO(b"x"), "x")}, content_type="multipart/form-data",
                      headers=headers)
    assert odd.status_code == 422 and "DG99" in odd.get_json()["fields"]
    big = client.post(url, data={"DG2": (io.BytesIO(b"x" * (256 * 1024 + 1)), "x")},
                      content_type="multipart/form-data", headers=headers)
    assert big.status_code == 422 and "DG2" in big.get_json()["fields"]
    garbled = _upload(client, document, worker, extra={"aa_response": "!!not base64!!"})
    assert garbled.status_code == 422 and "aa_response" in garbled.get_json()["fields"]
    assert identity.latest_record(worker) is None
    junk = api_post(client, "/api/v1/workers/me/identity/face", {"face_check_id": "1"})
    assert junk.status_code == 422
    no_json = client.post("/api/v1/workers/me/identity/face", data="x", headers=headers)
    assert no_json.status_code == 415


def test_api_needs_a_session(client):
    assert client.get("/api/v1/workers/me/identity").status_code == 401
