"""The operator's jobs page: imports started from the browser, progress, failures, and who may see them."""
from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from registry.core.extensions import db
from registry.enterprises.models import Enterprise
from registry.jobs.models import Job
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_code, raw_row
from tests.factories.http import csrf_token, log_in


@pytest.fixture
def operator(client, db_session):
    log_in(client, make_account(role="admin", name="运营"))
    return client


def upload(client, kind, name, content: bytes, **fields):
    data = {"kind": kind, "csrf_token": csrf_token(client), **fields}
    if name is not None:
        data["file"] = (io.BytesIO(content), name)
    return client.post("/admin/jobs", data=data, content_type="multipart/form-data")


def jsonl(rows) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


def job_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Job))


def test_only_operators_see_the_jobs_page_and_api(client, db_session):
    assert client.get("/admin/jobs").status_code == 302
    assert client.get("/api/v1/admin/jobs").status_code == 401
    log_in(client, make_account(role="enterprise_staff"))
    assert client.get("/admin/jobs").status_code == 403
    assert client.get("/api/v1/admin/jobs").status_code == 403


def test_an_enterprise_file_uploaded_by_an_operator_is_imported_with_its_result_shown(operator):
    codes = [make_code() for _ in range(3)]
    content = jsonl([raw_row(credit_code=code) for code in codes] + [{"credit_code": "bad"}])
    response = upload(operator, "enterprises.import", "companies.jsonl", content, source="市场监管局")
    assert response.status_code == 302
    page = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert "企业信用数据导入" in page and "已完成" in page
    assert "新增: 3" in page and "拒绝: 1" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)
                             .where(Enterprise.credit_code.in_(codes))) == 3
    listing = operator.get("/api/v1/admin/jobs").get_json()
    assert listing["counts"]["done"] >= 1 and listing["items"][0]["status_label"] == "已完成"
    one = operator.get(f"/api/v1/admin/jobs/{listing['items'][0]['id']}").get_json()
    assert one["result"]["inserted"] == 3 and one["progress_done"] == one["progress_total"]


def test_a_feed_file_is_imported_from_the_page(operator):
    line = {"id_number_hash": "a" * 64, "source": "税务局", "as_of": "2026-11-01", "status": "normal",
            "periods": []}
    response = upload(operator, "feeds.import.tax", "tax.jsonl", jsonl([line, {"source": "x"}]))
    assert response.status_code == 302
    job = db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(1)).one()
    assert job.status == "done" and job.result["loaded"] == 1 and job.result["problems"] >= 1


@pytest.mark.parametrize(("kind", "name", "content", "field", "words"), [
    ("enterprises.import", None, b"", "file", "请选择要导入的文件"),
    ("enterprises.import", "companies.xlsx", b"PK..", "file", ".csv, .jsonl"),
    ("enterprises.import", "companies.csv", b"", "file", "文件是空的"),
    ("feeds.import.tax", "tax.csv", b"x", "file", ".jsonl"),
    ("test.unknown", "a.csv", b"x", "kind", "请选择文件的内容"),
    ("", "a.csv", b"x", "kind", ""),
])
def test_a_bad_upload_is_refused_with_words_and_starts_nothing(operator, kind, name, content, field, words):
    before = job_count()
    response = upload(operator, kind, name, content)
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert job_count() == before


def test_an_over_long_source_name_is_refused(operator):
    before = job_count()
    response = upload(operator, "enterprises.import", "c.csv", b"a\n", source="源" * 101)
    assert response.status_code == 422 and job_count() == before


def test_an_unreadable_file_fails_once_with_a_reason_and_can_be_deleted(operator):
    response = upload(operator, "enterprises.import", "companies.csv", "名称\n".encode("utf-16"))
    page = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert "失败（已用完重试次数）" in page and "文件无法读取" in page
    job = db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(1)).one()
    assert job.attempts == 1
    job_id = job.id
    deleted = operator.post(f"/admin/jobs/{job_id}/discard", data={"csrf_token": csrf_token(operator)})
    db.session.expire_all()
    assert deleted.status_code == 302 and db.session.get(Job, job_id) is None


def test_retrying_or_discarding_a_job_that_has_not_failed_is_refused(operator):
    response = upload(operator, "enterprises.import", "c.jsonl", jsonl([raw_row()]))
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for action in ("retry", "discard"):
        refused = operator.post(f"/admin/jobs/{job_id}/{action}", data={"csrf_token": csrf_token(operator)})
        assert refused.status_code == 409
    assert operator.get("/admin/jobs/2147483647").status_code == 404
    assert operator.get("/api/v1/admin/jobs/2147483647").status_code == 404
    assert operator.post(f"/admin/jobs/{job_id}/retry").status_code == 400  # no CSRF token
