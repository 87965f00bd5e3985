"""Reading and writing enterprise files: CSV (UTF-8 or GB18030) and JSON Lines.

One row per enterprise. In CSV, list fields (brands, service_types) are
separated by "|" and credit records are a JSON array in the `records` column;
in JSON Lines they are plain JSON lists.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import json
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from registry.core.extensions import db
from registry.enterprises import catalog, loader, validation
from registry.enterprises.models import Enterprise

CSV_COLUMNS = validation.FIELDS
REQUIRED_COLUMNS = ("credit_code", "name")
# A 10 MB field must reach validation (and be refused there by length), not
# stop the csv module mid-file.
csv.field_size_limit(64 * 1024 * 1024)
MAX_KEPT_ERRORS = 10_000


class FileRejected(Exception):
    """The whole file cannot be read (encoding, header, format)."""


@dataclass
class RowError:
    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    """What an import did; errors beyond MAX_KEPT_ERRORS are counted, not kept."""

    encoding: str = ""
    format: str = ""
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    # The file line up to which every good row is loaded (a job's resumption point).
    loaded_through: int = 0

    def add_error(self, line: int, errors: dict[str, str]) -> None:
        self.rejected += 1
        for name, reason in errors.items():
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(RowError(line, name, reason))


def detect_format(path: str, fmt: str | None = None) -> str:
    """csv or jsonl, from the option, the extension, or the first character."""
    if fmt:
        return fmt
    ext = os.path.splitext(path)[1].lower()
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext in (".csv", ".txt"):
        return "csv"
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip(codecs.BOM_UTF8).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"


def detect_encoding(path: str, encoding: str | None = None) -> tuple[str, int]:
    """Decode the whole file once (UTF-8, else GB18030); returns (encoding, line count)."""
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for candidate in candidates:
        decoder = codecs.getincrementaldecoder(candidate)()
        lines = 0
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except (UnicodeDecodeError, LookupError):
            continue
        return candidate, lines
    raise FileRejected("the file is neither UTF-8 nor GB18030 text" if not encoding
                       else f"the file is not valid {encoding} text")


def _csv_rows(handle: IO[str], report: ImportReport) -> Iterator[tuple[int, dict]]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected("the file is empty") from None
    except csv.Error as exc:
        raise FileRejected(f"the header line cannot be read: {exc}") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileRejected("missing columns: " + ", ".join(missing) + "; expected " + ",".join(CSV_COLUMNS))
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise FileRejected("unknown columns: " + ", ".join(unknown))
    if len(set(header)) != len(header):
        raise FileRejected("a column appears twice in the header")
    last_line = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.add_error(last_line + 1, {"_row": f"malformed CSV: {exc}"})
            last_line = reader.line_num
            continue
        start, last_line = last_line + 1, reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(header):
            report.add_error(start, {"_row": f"has {len(values)} fields, the header has {len(header)}"})
            continue
        yield start, dict(zip(header, values))


def _jsonl_rows(handle: IO[str], report: ImportReport) -> Iterator[tuple[int, str]]:
    # Lines are parsed by _clean_chunk, possibly in a worker process.
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield number, line


def _clean_one(line: int, raw, source: str) -> tuple[int, dict | None, dict | None]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            return line, None, {"_row": f"not valid JSON: {exc.__class__.__name__}"}
        if not isinstance(raw, dict):
            return line, None, {"_row": "must be a JSON object"}
        unknown = [k for k in raw if k not in CSV_COLUMNS]
        if unknown:
            return line, None, {"_row": "unknown fields: " + ", ".join(map(str, unknown[:5]))}
    try:
        data = validation.clean_enterprise(raw, default_source=source)
    except validation.RowErrors as exc:
        return line, None, exc.errors
    return line, loader.prepare(data, source), None


def _clean_chunk(chunk: list[tuple[int, object]], source: str) -> list[tuple[int, dict | None, dict | None]]:
    """Parse and check a chunk of rows (runs in worker processes for big files)."""
    return [_clean_one(line, raw, source) for line, raw in chunk]


def _chunked(rows: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Below this many lines worker processes cost more to start than they save.
PARALLEL_MIN_LINES = 20_000


def import_batches(path: str, *, source: str | None = None, fmt: str | None = None, encoding: str | None = None,
                   batch_size: int = 5000, workers: int | None = None,
                   resume_after: int = 0) -> Iterator[tuple[ImportReport, int]]:
    """Upsert every good row of a file, batch by batch; yields (report so far, lines read since) per batch.

    Bad rows are reported (line, field, reason) and skipped; a code seen twice
    in the file keeps its first row. Flushes only: `flask enterprises import`
    commits after each batch, so killing it loses at most the batch in
    flight, and importing the file again completes the job (rows already
    loaded unchanged are skipped). Big files are parsed and checked by a
    worker process while this one writes to the database.

    `resume_after` (a job's checkpoint, `report.loaded_through`) reads and
    checks the rows up to that line again, so errors and duplicates are
    reported as in one run, but loads only the rows after it; the report's
    inserted/updated then count only this run's loads.
    """
    report = ImportReport()
    report.format = detect_format(path, fmt)
    report.encoding, lines = detect_encoding(path, encoding)
    source = source or os.path.basename(path)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if lines >= PARALLEL_MIN_LINES else 0
    seen: dict[str, int] = {}
    batch: list[dict] = []
    last_line = 0
    pool = None
    with open(path, encoding=report.encoding, newline="" if report.format == "csv" else None) as handle:
        rows = _csv_rows(handle, report) if report.format == "csv" else _jsonl_rows(handle, report)
        chunks = _chunked(rows, 1000)
        if workers:
            pool = multiprocessing.get_context("spawn").Pool(workers)
            results = pool.imap(functools.partial(_clean_chunk, source=source), chunks, chunksize=1)
        else:
            results = (_clean_chunk(chunk, source) for chunk in chunks)
        try:
            for chunk_results in results:
                for line, data, errors in chunk_results:
                    report.rows += 1
                    if errors:
                        report.add_error(line, errors)
                        continue
                    first = seen.get(data["credit_code"])
                    if first is not None:
                        report.add_error(line, {"credit_code": f"duplicate of line {first} in this file"})
                        continue
                    seen[data["credit_code"]] = line
                    if line <= resume_after:
                        continue
                    batch.append(data)
                    if len(batch) >= batch_size:
                        _load_batch(batch, source, report)
                        report.loaded_through = line
                        batch = []
                        yield report, line - last_line
                        last_line = line
            _load_batch(batch, source, report)
            report.loaded_through = max(lines, resume_after)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
    report.errors.sort(key=lambda e: e.line)
    yield report, max(0, lines - last_line)


def import_file(path: str, **options) -> ImportReport:
    """Every batch of `import_batches` in the caller's one transaction; returns the report."""
    report = ImportReport()
    for report, _lines in import_batches(path, **options):  # noqa: B007 - the last report yielded is the result
        pass
    return report


def _load_batch(batch: list[dict], source: str, report: ImportReport) -> None:
    inserted, updated = loader.upsert_batch(batch, source)
    report.inserted += inserted
    report.updated += updated


# --- export --------------------------------------------------------------------

def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def enterprise_row(enterprise: Enterprise) -> dict:
    """An enterprise in the file format (the inverse of validation.clean_enterprise)."""
    row = {name: _plain(getattr(enterprise, name)) for name in CSV_COLUMNS
           if name not in ("brands", "service_types", "records")}
    row["brands"] = enterprise.brand_names
    row["service_types"] = catalog.services_of(enterprise.service_mask)
    row["records"] = [{name: _plain(getattr(rec, name)) for name in validation.RECORD_FIELDS}
                      for rec in sorted(enterprise.records, key=lambda r: r.id)]
    return row


def iter_enterprises(batch_size: int = 1000) -> Iterator[Enterprise]:
    """Every enterprise in id order, a batch at a time (keyset paging)."""
    last_id = 0
    while True:
        batch = db.session.scalars(
            sa.select(Enterprise).where(Enterprise.id > last_id).order_by(Enterprise.id).limit(batch_size)
            .options(selectinload(Enterprise.brands), selectinload(Enterprise.records))).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
        db.session.expunge_all()


def write_rows(handle: IO[str], rows, fmt: str) -> int:
    """Write file-format rows as CSV or JSON Lines; returns how many."""
    count = 0
    writer = None
    if fmt == "csv":
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        if writer is not None:
            writer.writerow([_csv_value(name, row.get(name)) for name in CSV_COLUMNS])
        else:
            handle.write(json.dumps({k: v for k, v in row.items() if v not in (None, [], "")},
                                    ensure_ascii=False) + "\n")
        count += 1
    return count


def _csv_value(name: str, value) -> str:
    if value is None:
        return ""
    if name == "records":
        return json.dumps(value, ensure_ascii=False) if value else ""
    if isinstance(value, list):
        return "|".join(value)
    return str(value)
