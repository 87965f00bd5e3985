"""Signed status lists: entries, the bits for each standing, publication by the job, serving with ETag."""
from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
import sqlalchemy as sa

from registry.core import clock
from registry.core.signing import b64url_decode, key_ring
from registry.jobs import schedule
from registry.jobs.models import Job
from registry.jobs.services import KINDS, JobRun
from tests.factories.workers import make_worker
from workers.certificates import jobs, status_lists
from workers.certificates import services as certificates
from workers.certificates.models import CertificateStatusList
from workers.models import RegistrationStep
from workers.services import ensure_worker


def _payload(credential: str) -> dict:
    """The payload of a list whose signature checks out with the published certificate key."""
    header, body, signature = credential.split(".")
    meta = json.loads(b64url_decode(header))
    assert meta["alg"] == "EdDSA" and meta["typ"] == status_lists.CREDENTIAL_TYPE
    key_ring(certificates.KEY_PURPOSE).get(meta["kid"]).public.verify(b64url_decode(signature),
                                                                     f"{header}.{body}".encode())
    return json.loads(b64url_decode(body))


def _status(credential: str, index: int) -> int:
    subject = _payload(credential)["credentialSubject"]
    raw = gzip.decompress(b64url_decode(subject["encodedList"][1:]))
    return status_lists.status_at(raw, index)


def _complete_worker(name: str):
    return ensure_worker(make_worker(name, step=RegistrationStep.COMPLETE))


def test_each_certificate_gets_an_entry_the_token_names(worker_account):
    _, worker = worker_account
    shown = certificates.show(worker)
    claims = json.loads(b64url_decode(shown.token.split(".")[1]))
    certificate = shown.certificate
    assert (claims["sl"], claims["si"]) == (certificate.status_list_id, certificate.status_index)
    assert status_lists.entry_for(certificate.id) == (certificate.status_list_id, certificate.status_index)
    assert status_lists.entry_for(status_lists.LIST_SIZE + 1) == (2, 0)


def test_the_list_marks_active_departed_withdrawn_revoked_and_unused(db_session):
    active, departed, withdrawn, revoked = (_complete_worker(name) for name in ("甲", "乙", "丙", "丁"))
    entries = {w: certificates.show(w).certificate for w in (active, departed, withdrawn, revoked)}
    departed.due_on = clock.china_today() - dt.timedelta(days=1)
    withdrawn.registration_step = RegistrationStep.AUTHORIZATION.value
    certificates.revoke(entries[revoked], "伪造资料", None)
    db_session.flush()
    list_id = entries[active].status_list_id
    row = status_lists.publish(list_id)
    expected = {active: status_lists.ACTIVE, departed: status_lists.DEPARTED, withdrawn: status_lists.WITHDRAWN,
                revoked: status_lists.REVOKED}
    for worker, value in expected.items():
        assert _status(row.credential, entries[worker].status_index) == value
    unused = max(c.status_index for c in entries.values()) + 1
    assert _status(row.credential, unused) == status_lists.REVOKED
    payload = _payload(row.credential)
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = payload["credentialSubject"]
    assert subject["statusPurpose"] == "message" and subject["statusSize"] == 2
    assert len(gzip.decompress(b64url_decode(subject["encodedList"][1:]))) * 8 >= 131_072  # herd privacy
    assert "甲" not in row.credential and entries[active].public_id not in row.credential


def test_an_unchanged_list_keeps_its_etag_until_it_must_be_re_signed(worker_account, db_session, move_clock):
    _, worker = worker_account
    certificate = certificates.show(worker).certificate
    first = status_lists.publish(certificate.status_list_id)
    etag = first.etag
    move_clock(dt.timedelta(minutes=5))
    assert status_lists.publish(certificate.status_list_id).etag == etag
    certificates.revoke(certificate, "x", None)
    db_session.flush()
    assert status_lists.publish(certificate.status_list_id).etag != etag
    later = status_lists.publish(certificate.status_list_id).etag
    move_clock(dt.timedelta(seconds=status_lists.valid_seconds()))  # past half its validity: signed again
    assert status_lists.publish(certificate.status_list_id).etag != later


def test_the_job_publishes_every_list_and_resumes_after_its_checkpoint(worker_account, db_session):
    _, worker = worker_account
    list_id = certificates.show(worker).certificate.status_list_id
    run = JobRun(job_id=0, attempt=1, kind=jobs.PUBLISH_JOB, payload=None, checkpoint={"done": [list_id]})
    run.save = lambda checkpoint=None, **_: None  # this run has no job row; a real one commits per list
    assert KINDS[jobs.PUBLISH_JOB].handler(run)["lists"] >= 1
    assert db_session.get(CertificateStatusList, list_id) is None  # already done before the "crash"
    run.checkpoint = {}
    assert KINDS[jobs.PUBLISH_JOB].handler(run)["changed"] >= 1
    assert db_session.get(CertificateStatusList, list_id) is not None


def test_status_changes_and_the_clock_submit_the_publishing_job(worker_account, db_session):
    _, worker = worker_account
    certificate = certificates.show(worker).certificate

    def submitted():
        return db_session.scalars(sa.select(Job.unique_key).where(Job.kind == jobs.PUBLISH_JOB)).all()

    before = len(submitted())
    certificates.revoke(certificate, "x", None)
    assert len(submitted()) == before + 1
    at = dt.datetime(2026, 3, 2, 8, 1, tzinfo=dt.UTC)
    schedule.submit_periodic(at)
    schedule.submit_periodic(at + dt.timedelta(minutes=3))  # the same 5-minute slot: nothing more
    schedule.submit_periodic(at + dt.timedelta(minutes=4))
    assert [key for key in submitted() if key] == [f"{jobs.PUBLISH_JOB}@2026-03-02T08:00+00:00",
                                                   f"{jobs.PUBLISH_JOB}@2026-03-02T08:05+00:00"]


def test_the_list_is_served_with_etag_and_a_short_max_age(client, worker_account):
    _, worker = worker_account
    list_id = certificates.show(worker).certificate.status_list_id
    status_lists.publish(list_id)
    index = client.get("/api/v1/certificates/status-lists").get_json()
    assert {"id": list_id, "url": f"/api/v1/certificates/status-lists/{list_id}"} in index["lists"]
    response = client.get(f"/api/v1/certificates/status-lists/{list_id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=60"
    data = response.get_json()
    assert data["id"] == list_id and _payload(data["credential"])["list"] == list_id
    again = client.get(f"/api/v1/certificates/status-lists/{list_id}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == response.headers["ETag"] and not again.data
    other = client.get(f"/api/v1/certificates/status-lists/{list_id}", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200


def test_a_list_never_published_is_built_on_request_without_a_write(client, worker_account, app, db_session):
    _, worker = worker_account
    list_id = certificates.show(worker).certificate.status_list_id
    db_session.execute(sa.delete(CertificateStatusList))
    app.extensions.pop(status_lists.INTERIM_KEY, None)
    response = client.get(f"/api/v1/certificates/status-lists/{list_id}")
    assert response.status_code == 200 and _payload(response.get_json()["credential"])["list"] == list_id
    assert db_session.get(CertificateStatusList, list_id) is None
    app.extensions.pop(status_lists.INTERIM_KEY, None)


@pytest.mark.parametrize("path", ["/api/v1/certificates/status-lists/999999", "/api/v1/certificates/status-lists/0",
                                  "/api/v1/certificates/status-lists/abc", "/api/v1/certificates/status-lists/-1",
                                  "/api/v1/certificates/status-lists/" + "9" * 40])
def test_unknown_or_malformed_list_ids_get_a_json_404(client, db_session, path):
    response = client.get(path)
    assert response.status_code == 404 and response.get_json()["code"] in ("status_list_unknown", "not_found")
