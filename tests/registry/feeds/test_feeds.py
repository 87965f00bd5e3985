"""Agency feeds: import with per-line errors, encryption, replacement, retention, deletion."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from registry.accounts.services import erase_account
from registry.core.crypto import lookup_hash
from registry.feeds import services
from registry.feeds.models import FeedRecord
from tests.factories.accounts import make_account


def line(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def write(tmp_path, name, lines) -> str:
    path = tmp_path / name
    path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
    return str(path)


def test_import_background_check_by_id_number_or_hash(runner, tmp_path, db_session):
    worker = make_account(role="worker")
    other = make_account(role="worker", name="吴九")
    path = write(tmp_path, "bg.jsonl", [
        line(id_number=worker.id_number, source="公安部门", as_of="2026-10-01", result="no_record"),
        line(id_number_hash=lookup_hash(other.id_number, "id-number"), source="公安部门", as_of="2026-10-01",
             result="record_found", records=[{"category": "治安违法", "ended_on": "2024-03-01"}]),
    ])
    result = runner.invoke(args=["feeds", "import", "background_check", path])
    assert result.exit_code == 0, result.output
    assert "2 loaded, 0 replaced, 0 problems" in result.output
    assert services.person_feed(worker, "background_check").data["result"] == "no_record"
    found = services.person_feed(other, "background_check")
    assert found.data["result"] == "record_found" and found.source == "公安部门"
    raw = db_session.execute(sa.text("SELECT payload FROM feed_record")).scalars().all()
    assert all("治安违法".encode() not in bytes(p) and b"record_found" not in bytes(p) for p in raw)


def test_bad_lines_are_reported_good_lines_go_in(runner, tmp_path, db_session):
    worker = make_account(role="worker")
    errors_csv = tmp_path / "errors.csv"
    path = write(tmp_path, "tax.jsonl", [
        "{not json",
        "[1, 2]",
        line(id_number="110105194912310021", source="税务", as_of="2026-10-01", status="normal"),
        line(id_number_hash="abc", source="税务", as_of="2026-10-01", status="normal"),
        line(id_number=worker.id_number, id_number_hash="0" * 64, source="税务", as_of="2026-10-01",
             status="normal"),
        line(id_number=worker.id_number, source="税务", as_of="2026-13-01", status="late"),
        "\xff\xfe".encode("latin-1"),
        line(id_number=worker.id_number, source="税务", as_of="2026-10-01", status="normal",
             periods=[{"period": "2025", "status": "filed", "tax_paid": "1200.50"}]),
        json.dumps({"id_number": worker.id_number, "source": "税务", "as_of": "2026-10-01", "status": "normal",
                    "pad": "x" * (300 * 1024)}),
    ])
    result = runner.invoke(args=["feeds", "import", "tax", path, "--errors", str(errors_csv)])
    assert result.exit_code == 0, result.output
    assert "1 loaded" in result.output
    report = errors_csv.read_text()
    for expected in ("1,_line,not valid JSON", "2,_line,each line must be a JSON object", "3,id_number,check_digit",
                     "4,id_number_hash", "5,id_number_hash,give exactly one", "6,as_of", "6,status",
                     "7,_line,not UTF-8", "9,_line,line longer"):
        assert expected in report, expected
    feed = services.person_feed(worker, "tax")
    assert feed.data["periods"] == [{"period": "2025", "status": "filed", "tax_paid": "1200.50"}]


def test_unknown_fields_are_refused(db_session):
    worker = make_account(role="worker")
    report = services.ImportReport()
    services.import_lines("bank_credit", [(1, line(id_number=worker.id_number, source="征信", as_of="2026-10-01",
                                                    status="normal", credit_accounts=2, overdue_accounts=0,
                                                    salary=100))], report)
    assert report.loaded == 0 and report.errors[0].field == "salary"


def test_reimport_replaces_per_person_per_feed(db_session):
    worker = make_account(role="worker")
    report = services.ImportReport()
    base = dict(id_number=worker.id_number, source="征信中心", credit_accounts=3, overdue_accounts=0)
    services.import_lines("bank_credit", [(1, line(as_of="2026-09-01", status="normal", **base))], report)
    services.import_lines("bank_credit", [(1, line(as_of="2026-10-01", status="attention", **base))], report)
    assert (report.loaded, report.replaced) == (1, 1)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(FeedRecord)) == 1
    feed = services.person_feed(worker, "bank_credit")
    assert feed.as_of == dt.date(2026, 10, 1) and feed.data["status"] == "attention"


def test_adverse_records_past_five_years_are_not_shown(db_session, move_clock):
    worker = make_account(role="worker")
    report = services.ImportReport()
    records = [{"category": "逾期", "ended_on": "2020-01-10"}, {"category": "逾期", "ended_on": "2025-01-10"},
               {"category": "逾期", "ended_on": None}]
    services.import_lines("bank_credit", [(1, line(id_number=worker.id_number, source="征信中心",
                                                    as_of="2026-10-01", status="adverse", credit_accounts=3,
                                                    overdue_accounts=1, adverse_records=records))], report)
    feed = services.person_feed(worker, "bank_credit")
    shown = [r["ended_on"] for r in feed.data["adverse_records"]]
    assert shown == ["2025-01-10", None] and feed.hidden_by_retention == 1
    bg = services.ImportReport()
    services.import_lines("background_check", [(1, line(id_number=worker.id_number, source="公安部门",
                                                         as_of="2026-10-01", result="record_found",
                                                         records=[{"category": "治安违法",
                                                                   "ended_on": "2021-01-01"}]))], bg)
    # Every record found ended more than five years ago: nothing adverse may be shown.
    assert services.person_feed(worker, "background_check").data["result"] == "no_record"


def test_feeds_without_data_say_none(db_session):
    feeds = services.person_feeds(make_account(role="worker"))
    assert feeds == {"tax": None, "bank_credit": None, "background_check": None, "health": None, "insurance": None,
                     "training": None}


def test_account_deletion_removes_feed_data(db_session):
    worker = make_account(role="worker")
    report = services.ImportReport()
    services.import_lines("tax", [(1, line(id_number=worker.id_number, source="税务", as_of="2026-10-01",
                                           status="normal"))], report)
    erase_account(worker)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(FeedRecord)) == 0


def test_unknown_kind_is_refused_by_the_cli(runner, tmp_path):
    path = write(tmp_path, "x.jsonl", ["{}"])
    result = runner.invoke(args=["feeds", "import", "salary", path])
    assert result.exit_code == 2 and "salary" in result.output
