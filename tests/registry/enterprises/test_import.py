"""flask enterprises import/export and the loader behind them."""
import csv
import json

import pytest
import sqlalchemy as sa

from registry.core.extensions import db
from registry.enterprises import fileio, loader, search, services, validation
from registry.enterprises.models import CreditRecord, Enterprise
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_code, raw_row

RECORD = {"kind": "行政处罚", "occurred_on": "2023-05-01", "authority": "北京市朝阳区市场监督管理局",
          "summary": "未按规定公示", "document_number": "京朝市监罚〔2023〕1号", "valid_until": "2026-05-01"}


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        fileio.write_rows(handle, rows, "csv")
    return str(path)


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as handle:
        fileio.write_rows(handle, rows, "jsonl")
    return str(path)


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_csv_import_in_utf8_and_gb18030(tmp_path, encoding):
    rows = [raw_row(name="上海洁净家政有限公司", brands=["洁净阿姨", "小洁"], district_code="310104",
                    records=[RECORD]),
            raw_row(name="广州月嫂服务中心", district_code=None, city_code="440100")]
    report = fileio.import_file(write_csv(tmp_path / "e.csv", rows, encoding), source="市场监管")
    assert (report.encoding.replace("-sig", ""), report.inserted, report.rejected) == (encoding, 2, 0)
    first = services.get_by_code(rows[0]["credit_code"])
    assert first.name == "上海洁净家政有限公司" and first.brand_names == ["洁净阿姨", "小洁"]
    assert (first.province_code, first.city_code, first.district_code) == ("310000", "310100", "310104")
    assert first.registered_capital == "100" and first.status == "operating"
    assert [(r.kind, r.source) for r in first.records] == [("penalty", "市场监管")]


def test_jsonl_import_is_idempotent_and_replaces_records_per_source(tmp_path):
    code = make_code()
    path = write_jsonl(tmp_path / "a.jsonl", [raw_row(credit_code=code, records=[RECORD, {**RECORD, "kind": "reward"}])])
    assert fileio.import_file(path, source="feed-a").inserted == 1
    other = write_jsonl(tmp_path / "b.jsonl", [raw_row(credit_code=code, records=[{**RECORD, "kind": "complaint"}])])
    fileio.import_file(other, source="feed-b")
    again = fileio.import_file(path, source="feed-a")
    assert (again.inserted, again.updated) == (0, 1)
    assert count(Enterprise) == 1
    kinds = sorted((r.source, r.kind) for r in services.get_by_code(code).records)
    assert kinds == [("feed-a", "penalty"), ("feed-a", "reward"), ("feed-b", "complaint")]
    # feed-a now has one record for this enterprise: its old two are replaced, feed-b's stays.
    write_jsonl(tmp_path / "a.jsonl", [raw_row(credit_code=code, name="改名家政", records=[RECORD])])
    fileio.import_file(path, source="feed-a")
    db.session.expire_all()
    enterprise = services.get_by_code(code)
    assert enterprise.name == "改名家政"
    assert sorted((r.source, r.kind) for r in enterprise.records) == [("feed-a", "penalty"), ("feed-b", "complaint")]


def test_bad_rows_are_reported_and_good_rows_go_in(tmp_path):
    good = raw_row()
    dup = raw_row(credit_code=good["credit_code"], name="重复")
    bad_check = raw_row(credit_code=good["credit_code"][:-1] + ("0" if good["credit_code"][-1] != "0" else "1"))
    rows = [good, raw_row(district_code="999999"), bad_check, dup,
            raw_row(business_scope="很" * (10 * 1024 * 1024)),
            raw_row(registered_on="2020-13-45", service_types=["洗车"], records=[{"kind": "奖状"}]),
            raw_row(name="")]
    report = fileio.import_file(write_csv(tmp_path / "bad.csv", rows), source="s")
    assert (report.inserted, report.rejected) == (1, 6)
    by_line = {}
    for error in report.errors:
        by_line.setdefault(error.line, {})[error.field] = error.reason
    assert "unknown district code" in by_line[3]["district_code"]
    assert "position 18" in by_line[4]["credit_code"] and "should be" in by_line[4]["credit_code"]
    assert by_line[5]["credit_code"] == "duplicate of line 2 in this file"
    assert "too long" in by_line[6]["business_scope"]
    assert set(by_line[7]) >= {"registered_on", "service_types", "records[1].kind", "records[1].occurred_on"}
    assert by_line[8] == {"name": "is required"}


def test_malformed_files_are_refused_or_reported(tmp_path):
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"credit_code,name\n\x80\x81\xff\xfe\x00\x81\n")
    with pytest.raises(fileio.FileRejected, match="neither UTF-8 nor GB18030"):
        fileio.import_file(str(binary))
    header = tmp_path / "h.csv"
    header.write_text("code,title\n1,2\n", encoding="utf-8")
    with pytest.raises(fileio.FileRejected, match="missing columns"):
        fileio.import_file(str(header))
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(fileio.FileRejected, match="empty"):
        fileio.import_file(str(tmp_path / "empty.csv"))
    ragged = tmp_path / "r.csv"
    ragged.write_text('credit_code,name\n"unterminated,x\n' + f"{make_code()},好\n1,2,3\n", encoding="utf-8")
    report = fileio.import_file(str(ragged))
    assert report.inserted == 0 and report.rejected >= 1
    lines = tmp_path / "j.jsonl"
    lines.write_text('{"credit_code": 1\n[1,2]\n{"bogus": 1}\n' + json.dumps(raw_row(), ensure_ascii=False) + "\n",
                     encoding="utf-8")
    report = fileio.import_file(str(lines))
    assert (report.inserted, report.rejected) == (1, 3)
    assert [e.line for e in report.errors] == [1, 2, 3]


def test_export_writes_the_import_format_back(tmp_path):
    rows = [raw_row(records=[RECORD]), raw_row(brands=[], service_types=[], records=[])]
    fileio.import_file(write_jsonl(tmp_path / "in.jsonl", rows), source="src")
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"out.{fmt}"
        with open(out, "w", encoding="utf-8", newline="") as handle:
            fileio.write_rows(handle, (fileio.enterprise_row(e) for e in fileio.iter_enterprises()), fmt)
        again = fileio.import_file(str(out), source="src")
        assert (again.rejected, again.inserted, again.updated) == (0, 0, 2)
    with open(tmp_path / "out.csv", encoding="utf-8") as handle:
        exported = {r["credit_code"]: r for r in csv.DictReader(handle)}
    first = exported[rows[0]["credit_code"]]
    assert first["brands"] == "示例阿姨" and first["service_types"] == "cleaning|maternity"
    assert json.loads(first["records"])[0]["kind"] == "penalty"


def test_cli_import_export_and_add_staff(runner, tmp_path):
    rows = [raw_row(), raw_row(credit_code="123")]
    path = write_csv(tmp_path / "c.csv", rows)
    errors = tmp_path / "errors.csv"
    result = runner.invoke(args=["enterprises", "import", path, "--errors", str(errors)])
    assert result.exit_code == 1, result.output
    assert "1 added" in result.output and "1 rejected" in result.output
    assert "line 3: credit_code" in result.output
    with open(errors, encoding="utf-8") as handle:
        assert list(csv.reader(handle))[1][:2] == ["3", "credit_code"]
    out = tmp_path / "out.jsonl"
    result = runner.invoke(args=["enterprises", "export", str(out)])
    assert result.exit_code == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 1
    staff = make_account(role="enterprise_staff")
    result = runner.invoke(args=["enterprises", "add-staff", "--phone", staff.phone, "--code", rows[0]["credit_code"]])
    assert result.exit_code == 0, result.output
    assert services.staff_enterprise(staff.id).credit_code == rows[0]["credit_code"]
    consumer = make_account(role="consumer")
    result = runner.invoke(args=["enterprises", "add-staff", "--phone", consumer.phone, "--code", rows[0]["credit_code"]])
    assert result.exit_code != 0 and "企业工作人员" in result.output  # the CLI speaks the default language


def test_demo_enterprises_are_valid_and_rerunnable(runner):
    result = runner.invoke(args=["demo", "enterprises", "--count", "30"])
    assert result.exit_code == 0, result.output
    assert count(Enterprise) == 30
    result = runner.invoke(args=["demo", "enterprises", "--count", "40"])
    assert "10 added, 30 updated" in result.output
    names = db.session.scalars(sa.select(Enterprise.name)).all()
    assert all(name.endswith("（演示）") for name in names)
    assert count(CreditRecord) >= 0


def test_killed_import_keeps_whole_batches_and_rerun_finishes(tmp_path, monkeypatch, runner):
    rows = [raw_row(name=f"中断测试家政{i}") for i in range(5)]
    path = write_jsonl(tmp_path / "k.jsonl", rows)
    real = loader.upsert_batch
    calls = []

    def dies_on_second_batch(batch, source):
        calls.append(len(batch))
        if len(calls) == 2:
            real(batch[:1], source)  # half-written work in the batch's transaction ...
            raise KeyboardInterrupt  # ... when the process is stopped
        return real(batch, source)

    monkeypatch.setattr(loader, "upsert_batch", dies_on_second_batch)
    # The import job commits per batch (the service only flushes).
    stopped = runner.invoke(args=["enterprises", "import", path, "--batch-size", "2"])
    assert stopped.exit_code != 0 and "Aborted" in stopped.output
    assert count(Enterprise) == 2  # the first batch only: the second was rolled back whole
    monkeypatch.setattr(loader, "upsert_batch", real)
    rerun = runner.invoke(args=["enterprises", "import", path, "--batch-size", "2"])
    assert rerun.exit_code == 0, rerun.output
    assert "3 added, 2 updated" in rerun.output and count(Enterprise) == 5


def test_openapi_lists_the_enterprise_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/enterprises", "/api/v1/enterprises/{code}", "/api/v1/regions"} <= set(document["paths"])
    names = {p["name"] for p in document["paths"]["/api/v1/enterprises"]["get"]["parameters"]}
    assert {"q", "province", "city", "code", "service", "page"} <= names


def _assert_search_index_in_step():
    """SQLite: the insert trigger is in place and the FTS tables agree with the enterprise rows."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    triggers = db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                          "AND name LIKE 'enterprise_search_%'")).all()
    assert sorted(triggers) == ["enterprise_search_ad", "enterprise_search_ai", "enterprise_search_au"]
    for table in ("enterprise_fts", "enterprise_grams"):
        # Raises "database disk image is malformed" when an indexed row is missing or stale.
        db.session.execute(sa.text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"))


def test_bulk_load_indexes_whole_batches_even_when_killed(tmp_path, monkeypatch, runner):
    rows = [raw_row(name=f"索引测试{i}号家政", brands=[f"批量品牌{i}"]) for i in range(5)]
    path = write_jsonl(tmp_path / "s.jsonl", rows)
    real = loader.upsert_batch
    calls = []

    def dies_on_second_batch(batch, source):
        calls.append(len(batch))
        if len(calls) == 2:
            real(batch[:1], source)  # rows and index entries written in the batch's transaction ...
            raise KeyboardInterrupt  # ... when the process is stopped
        return real(batch, source)

    monkeypatch.setattr(loader, "upsert_batch", dies_on_second_batch)
    assert runner.invoke(args=["enterprises", "import", path, "--batch-size", "2"]).exit_code != 0
    _assert_search_index_in_step()
    assert search.search("索引测试").total == 2 and search.search("量品").total == 2
    monkeypatch.setattr(loader, "upsert_batch", real)
    assert runner.invoke(args=["enterprises", "import", path, "--batch-size", "2"]).exit_code == 0
    _assert_search_index_in_step()
    assert search.search("索引测试").total == 5  # 3+ characters: the trigram index
    assert search.search("量品").total == 5  # 2 characters: the gram index
    # One enterprise saved on its own afterwards is indexed by the trigger as before.
    services.save_enterprise(None, validation.clean_enterprise(raw_row(name="索引测试后加家政", brands=[])),
                             actor_id=None)
    _assert_search_index_in_step()
    assert search.search("索引测试").total == 6 and search.search("后加").total == 1
