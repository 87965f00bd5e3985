"""A person downloads everything held about them (PIPL art. 45): one signed document, each domain's
section, verifiable offline with nothing but the published JWKS; and the page in words."""
from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consent import services as consent
from consent.models import DataAccess, ViewGrant
from consumers.models import ViewRequest
from disputes import services as disputes
from registry.accounts import export
from registry.accounts.models import LoginSession, SmsCode
from registry.audit.models import AuditEvent
from registry.core import clock
from registry.core.crypto import lookup_hash
from registry.face.models import FaceReference
from registry.feeds import services as feeds
from registry.feeds.models import FeedRecord
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_enterprise
from tests.factories.face import make_face_check
from tests.factories.http import log_in
from tests.factories.workers import make_worker
from workers import services as workers
from workers.attendance import checkins
from workers.certificates import services as certificates
from workers.identity.models import IdentityRecord, IdentityReview
from workers.models import RegistrationStep
from workers.profile import services as profile
from workers.profile.schemas import SECTION_SCHEMAS

TEMPLATE = b"FACE-TEMPLATE-\x00\x01\x02-must-never-leave"
CHIP_PHOTO = b"\xff\xd8\xffCHIP-PHOTO-BYTES-must-never-leave"
REVIEW_PHOTO = b"\xff\xd8\xffREVIEW-PHOTO-BYTES-must-never-leave"
SECTIONS = {"account", "worker", "consent", "feeds", "face", "view_requests", "disputes"}


def b64url_decode(text: str) -> bytes:
    # Deliberately not the app's helper: a third party decodes with the standard library.
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_offline(token: str, jwks: dict) -> dict:
    """What a third party does: find the key by kid in the JWKS, check the EdDSA signature, read the JSON."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64url_decode(header_part))
    assert header["alg"] == "EdDSA" and header["typ"] == "hscr-export+jws"
    jwk = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"])).verify(
        b64url_decode(signature_part), f"{header_part}.{payload_part}".encode("ascii"))
    return json.loads(b64url_decode(payload_part))


@pytest.fixture
def person(db_session):
    """A worker with data in every domain: identity, face, profile, check-in, enterprise, consent, grant, feeds."""
    enterprise = make_enterprise("北京好帮手家政服务有限公司")
    account = make_worker("周雨桐", enterprises=[enterprise], step=RegistrationStep.COMPLETE, identity_verified=True)
    worker = workers.ensure_worker(account)
    reference = FaceReference(account_id=account.id, source="chip_dg2", provider="test", engine="test",
                              template=TEMPLATE, photo=CHIP_PHOTO, created_at=clock.now())
    db_session.add(reference)
    db_session.flush()
    db_session.add(IdentityRecord(
        worker_id=account.id, method="chip", document_kind="cn_resident_id", face_reference_id=reference.id,
        checks={"sod_signature": {"status": "passed", "reason": "ok"}, "document_expiry": {"status": "passed"},
                "active_authentication": {"status": "skipped"}},
        document_verified_at=clock.now(), verified_at=clock.now(), created_at=clock.now()))
    db_session.add(IdentityReview(worker_id=account.id, state="rejected", hand_held_photo=REVIEW_PHOTO,
                                  front_photo=REVIEW_PHOTO, back_photo=REVIEW_PHOTO, reason="照片模糊",
                                  decided_at=clock.now()))
    profile.save_section(worker, "basic", SECTION_SCHEMAS["basic"]().load(
        {"hometown": "四川成都", "ethnicity": "汉族", "education": "college", "languages": ["普通话"]}))
    profile.save_section(worker, "basic", SECTION_SCHEMAS["basic"]().load(
        {"hometown": "四川绵阳", "ethnicity": "汉族", "education": "college", "languages": ["普通话", "四川话"]}))
    profile.save_section(worker, "work", SECTION_SCHEMAS["work"]().load(
        {"entries": [{"employer": "张家", "role": "育儿嫂", "from": "2020-01-01", "to": "2022-06-30"}]}))
    checkins.check_in(account, make_face_check(account, "check_in").id)
    workers.add_notice(account.id, "affiliation_confirmed", enterprise.name)
    certificates.ensure_certificate(worker)
    letter = consent.publish_letter("信用信息授权书", "本人授权平台采集并展示本人的信用信息。", None)
    consent.sign(account, letter.version, letter.sha256, make_face_check(account, "consent").id)
    household = make_account("consumer", name="郑家明")
    grant = ViewGrant(worker_id=account.id, consumer_id=household.id, scopes="basic,identity",
                      valid_from=clock.now(), valid_until=clock.now() + dt.timedelta(hours=24),
                      face_check_id=make_face_check(account, "view_approval").id)
    db_session.add(grant)
    db_session.flush()
    db_session.add(DataAccess(grant_id=grant.id, section="basic", accessed_at=clock.now()))
    data, errors = feeds.parse_line("tax", 1, json.dumps({
        "id_number": account.id_number, "source": "国家税务总局北京市税务局", "as_of": "2024-12-31",
        "status": "normal", "periods": [{"period": "2024", "status": "filed", "tax_paid": "1200.00"}]}))
    assert not errors
    feeds.store("tax", data)
    db_session.flush()
    db_session.add(ViewRequest(consumer_id=household.id, worker_id=account.id, state="approved", grant_id=grant.id,
                               created_at=clock.now(), expires_at=clock.now() + dt.timedelta(minutes=10),
                               decided_at=clock.now()))
    tax_record = db_session.scalar(sa.select(FeedRecord.id).where(FeedRecord.kind == "tax"))
    disputes.open_dispute(account, "tax", tax_record, "2024年的纳税记录不是我的")
    db_session.flush()
    return account


def test_the_export_holds_each_domains_section_unmasked(person, db_session):
    document = export.build_export(person)
    assert set(document["sections"]) == SECTIONS
    assert document["subject"] == {"account_id": person.id, "role": "worker"}
    sections = document["sections"]
    # The person's own copy: ID number and phone as stored, not masked.
    assert sections["account"]["phone"] == person.phone and sections["account"]["id_number"] == person.id_number
    worker = sections["worker"]
    assert worker["record"]["status"] == "active" and worker["record"]["registration_step"] == "complete"
    assert len(worker["check_ins"]) == 1
    assert [a["enterprise_name"] for a in worker["affiliations"]] == ["北京好帮手家政服务有限公司"]
    assert [(v["section"], v["version"]) for v in worker["profile_versions"]] == [("basic", 1), ("basic", 2),
                                                                                  ("work", 1)]
    assert worker["profile_versions"][1]["data"]["hometown"] == "四川绵阳"
    identity = worker["identity_records"][0]
    assert identity["method"] == "chip" and identity["checks"]["sod_signature"] == "passed"
    assert identity["photo_held"] is True
    assert worker["identity_reviews"][0]["reason"] == "照片模糊"
    assert worker["notices"][0]["kind"] == "affiliation_confirmed" and len(worker["certificates"]) == 1
    given = sections["consent"]["grants_given"][0]
    assert given["household"] == "郑*明" and given["scopes"] == ["basic", "identity"]
    assert given["ended_at"] is None and [r["section"] for r in given["reads"]] == ["basic"]
    assert sections["consent"]["signed_consents"][0]["letter_version"] >= 1
    assert sections["feeds"]["records"][0]["data"]["periods"][0]["tax_paid"] == "1200.00"
    reference = sections["face"]["references"][0]
    assert reference["template_held"] and reference["photo_held"] and reference["active"]
    assert {c["purpose"] for c in sections["face"]["checks"]} == {"check_in", "consent", "view_approval"}
    assert sections["view_requests"]["requests_received"][0] == {
        "other_party": "郑*明", "state": "approved", "created_at": sections["view_requests"]["requests_received"][0][
            "created_at"], "decided_at": sections["view_requests"]["requests_received"][0]["decided_at"]}
    assert sections["disputes"]["disputes"][0]["reason"] == "2024年的纳税记录不是我的"
    assert sections["disputes"]["disputes"][0]["state"] == "open"
    # Deterministic: the same data gives the same sections.
    assert export.build_export(person)["sections"] == sections


def test_the_signed_copy_verifies_offline_with_the_published_keys(client, person, db_session):
    log_in(client, person)
    response = client.get("/api/v1/me/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    answer = response.get_json()
    # Only the JSON at /.well-known/jwks.json and the cryptography library: no call into the app.
    jwks = json.loads(client.get("/.well-known/jwks.json").get_data())
    document = verify_offline(answer["token"], jwks)
    assert document == answer["document"]
    assert set(document["sections"]) == SECTIONS
    assert document["sections"]["account"]["phone"] == person.phone
    # The certificate keys are still published beside the export keys.
    certificate_kid = json.loads(b64url_decode(certificates.show(workers.ensure_worker(person)).token
                                               .split(".")[0]))["kid"]
    assert certificate_kid in {key["kid"] for key in jwks["keys"]}
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.kind == "account.exported", AuditEvent.subject_id == person.id)) == 1


def test_a_changed_byte_fails_verification(client, person):
    log_in(client, person)
    token = client.get("/api/v1/me/export").get_json()["token"]
    jwks = client.get("/.well-known/jwks.json").get_json()
    header_part, payload_part, signature_part = token.split(".")
    payload = bytearray(b64url_decode(payload_part))
    at = payload.index(person.phone.encode())
    payload[at] = ord("0") if payload[at] != ord("0") else ord("1")  # one digit of the phone number
    with pytest.raises(InvalidSignature):
        verify_offline(f"{header_part}.{b64url(bytes(payload))}.{signature_part}", jwks)
    signature = bytearray(b64url_decode(signature_part))
    signature[0] ^= 1
    with pytest.raises(InvalidSignature):
        verify_offline(f"{header_part}.{payload_part}.{b64url(bytes(signature))}", jwks)


def test_only_a_signed_in_person_gets_a_copy_and_only_their_own(client, app, person):
    answer = client.get("/api/v1/me/export")
    assert answer.status_code == 401 and answer.get_json()["code"] == "unauthorized"
    page = client.get("/me/export")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    # No route of the export takes an id: nobody can name another account.
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in ("accounts.export_page", "accounts.api_export")]
    assert len(rules) == 2 and all(not rule.arguments for rule in rules)
    household = make_account("consumer", name="郑家明")
    log_in(client, household)
    document = client.get("/api/v1/me/export", query_string={"account_id": person.id}).get_json()["document"]
    assert document["subject"]["account_id"] == household.id
    assert "worker" not in document["sections"] and "face" not in document["sections"]
    assert document["sections"]["account"]["phone"] == household.phone


@pytest.mark.parametrize("role", ["enterprise_staff", "admin"])
def test_an_account_without_an_id_number_gets_its_account_section(client, role):
    account = make_account(role, name="运营人员")
    log_in(client, account)
    response = client.get("/api/v1/me/export")
    document = verify_offline(response.get_json()["token"], client.get("/.well-known/jwks.json").get_json())
    assert set(document["sections"]) == {"account"} and document["sections"]["account"]["id_number"] is None
    page = client.get("/me/export")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_secret_or_biometric_data_leaves(client, person, db_session):
    log_in(client, person)
    answer = client.get("/api/v1/me/export")
    page = client.get("/me/export").get_data(as_text=True)
    body = answer.get_data(as_text=True)
    document = json.dumps(answer.get_json()["document"], ensure_ascii=False)
    secrets = [*db_session.scalars(sa.select(LoginSession.token_hash).where(LoginSession.account_id == person.id)),
               *db_session.scalars(sa.select(SmsCode.code_hash).where(
                   SmsCode.phone_hash == lookup_hash(person.phone, "phone"))),
               person.id_number_hash, person.phone_hash]
    assert len(secrets) >= 4
    for blob in (TEMPLATE, CHIP_PHOTO, REVIEW_PHOTO):
        secrets += [base64.b64encode(blob).decode(), b64url(blob), blob.hex(), blob[3:].decode("latin-1")]
    # The session cookie's own secret is not in the copy either.
    cookie = client.get_cookie("session")
    for text in (body, document, page):
        for secret in secrets:
            assert secret not in text
        assert cookie is None or cookie.value not in text
    assert "template" not in json.dumps(answer.get_json()["document"]["sections"]["face"]).replace("template_held", "")


def test_the_page_shows_every_section_in_chinese_words(client, person):
    log_in(client, person)
    page = client.get("/me/export", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    for title in ("家政服务员专区", "我的授权", "人脸核验", "实名认证", "基本信息", "工作经历", "纳税信息"):
        assert title in page
    for key in SECTIONS:
        assert f'data-testid="export-section-{key}"' in page
    # Values in words, not codes; the person's own values unmasked.
    assert person.phone in page and person.id_number in page
    assert "已确认" in page and "证件芯片核验" in page and "郑*明" in page and "四川绵阳" in page
    assert "2024年的纳税记录不是我的" in page and "我的异议" in page
    assert ">active<" not in page and ">chip<" not in page and ">confirmed<" not in page
    assert 'href="/api/v1/me/export"' in page and 'data-testid="download-signed"' in page
    english = client.get("/me/export?lang=en").get_data(as_text=True)
    assert "Identity verification" in english and "Face verification" in english


def test_the_personal_center_links_to_the_export(client, person):
    log_in(client, person)
    assert 'href="/me/export"' in client.get("/me").get_data(as_text=True)


def test_the_api_is_described(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/me/export"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == {"token", "document"} and "401" in operation["responses"]
