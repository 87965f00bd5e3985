"""Enterprise search benchmark: import rate and search latency on SQLite and PostgreSQL.

    .venv/bin/python bench/enterprise_search.py            # 100,000 rows, about 3 minutes
    .venv/bin/python bench/enterprise_search.py --full     # 1,000,000 rows (the issue's size)
    .venv/bin/python bench/enterprise_search.py --explain  # also EXPLAIN (ANALYZE, BUFFERS) one query per kind

Generates a synthetic JSON Lines file (registry.enterprises.demo), imports it
with the real importer (`flask enterprises import` path) into a fresh
database of each kind, then times at least --queries searches of each kind
through the Flask test client, so routing, schemas, search and JSON
serialisation all count. Targets (2-core machine): p95 <= 50 ms per kind,
import >= 10,000 rows/s. Every figure also goes to bench/report.py's
figure() (scripts/bench gathers them); tables carry the load average, since
the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from bench.report import figure  # noqa: E402

KINDS = ("exact code", "2-char name", "brand substring", "province+city+substring")
DEFAULT_COUNT = 100_000
FULL_COUNT = 1_000_000
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def make_file(path: str, count: int) -> float:
    """Write `count` synthetic rows as JSON Lines; returns the seconds it took."""
    from registry.enterprises import demo

    started = time.perf_counter()
    with open(path, "w", encoding="utf-8") as handle:
        for row in demo.generate(count):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return time.perf_counter() - started


def make_sample(count: int, sample_size: int) -> list[dict]:
    """An even sample of the rows (demo rows are reproducible one by one)."""
    from registry.enterprises import demo

    step = max(1, count // sample_size)
    return [next(demo.generate(1, start=number)) for number in range(0, count, step)]


def _substring(rnd: random.Random, text: str, length: int) -> str:
    for _ in range(50):
        start = rnd.randrange(0, max(1, len(text) - length + 1))
        piece = text[start:start + length]
        if len(piece) == length and piece.isalnum():
            return piece
    return text[:length]


def build_queries(sample: list[dict], per_kind: int, seed: int = 7) -> dict[str, list[dict]]:
    """Query parameters of each kind, drawn from rows that are in the database."""
    from registry.enterprises.demo import DEMO_MARK

    rnd = random.Random(seed)
    queries: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for _ in range(per_kind):
        row = rnd.choice(sample)
        name = row["name"].removesuffix(DEMO_MARK)
        queries["exact code"].append({"q": row["credit_code"]})
        queries["2-char name"].append({"q": _substring(rnd, name, 2)})
        brand = rnd.choice(row["brands"])
        queries["brand substring"].append({"q": _substring(rnd, brand, rnd.choice((2, 3, 4)) if len(brand) >= 4 else 2)})
        queries["province+city+substring"].append({"province": row["province_code"], "city": row["city_code"],
                                                   "q": _substring(rnd, name, rnd.choice((2, 3)))})
    return queries


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        engine.dispose()


def explain_search(params: dict) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every id-finding statement one search runs (PostgreSQL), in order."""
    from sqlalchemy import event

    from registry.core.extensions import db
    from registry.enterprises import search

    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        search.search(**params)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
        db.session.rollback()
    lines = []
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            head = statement.lstrip().upper()
            if not head.startswith("SELECT"):
                cursor.execute(statement, parameters)  # the planner settings the search made (SET LOCAL)
            elif "enterprise.credit_code AS" not in statement and "enterprise_brand" not in statement:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines.append("  -- " + " ".join(statement.split())[:160] + f"  {parameters}")
                lines.extend("     " + row[0] for row in cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()
    return lines


def run_database(label: str, url: str, data_file: str, count: int, queries: dict[str, list[dict]],
                 workdir: str, skip_import: bool = False, explain: bool = False) -> dict:
    """Import the file into a fresh database (unless skip_import), then time the queries."""
    import flask_migrate
    from cryptography.fernet import Fernet

    from registry.app import MIGRATIONS_DIR, create_app
    from registry.core.effects import commit
    from registry.core.extensions import db
    from registry.enterprises import fileio

    if not skip_import:
        _reset(url)
    instance = tempfile.mkdtemp(prefix="bench-instance-", dir=workdir)
    app = create_app({"TESTING": False, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "LOOKUP_KEY": "bench", "DATA_KEYS": [Fernet.generate_key().decode()],
                      "LOOKUP_RATE_LIMIT": "1000000000/minute",  # one address asks everything here
                      # Time the search, not the stored answers of public pages (queries repeat).
                      "PAGE_CACHE": False},
                     instance_path=instance)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        started = time.perf_counter()
        if skip_import:
            report = fileio.ImportReport(inserted=count)
        else:
            # As `flask enterprises import` does: one transaction per batch. (One
            # transaction for the whole file was never committed on PostgreSQL:
            # the searches then ran on an empty table.)
            for report, _lines in fileio.import_batches(data_file, source="bench"):  # noqa: B007 - the last report is the result
                commit()
        import_seconds = time.perf_counter() - started
        assert report.rejected == 0, report.errors[:5]
        stored = db.session.scalar(sa.text("SELECT count(*) FROM enterprise"))
        assert stored == count, f"{stored} enterprises stored, {count} expected"
        started = time.perf_counter()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        analyze_seconds = time.perf_counter() - started
        plans = {}
        if explain and db.engine.dialect.name == "postgresql":
            for kind, params in queries.items():
                # The slowest-looking query of each kind: the commonest 2-character words come first.
                plans[kind] = (params[0], explain_search(params[0]))
        db.session.remove()
    client = app.test_client()
    latencies: dict[str, list[float]] = {}
    hits: dict[str, int] = {}
    for kind, params in queries.items():
        for warm in params[:20]:
            client.get("/api/v1/enterprises", query_string=warm)
        times = []
        found = 0
        for query in params:
            started = time.perf_counter()
            response = client.get("/api/v1/enterprises", query_string=query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (query, response.get_json())
            found += bool(response.get_json()["items"])
        latencies[kind] = times
        hits[kind] = found
    with app.app_context():
        db.engine.dispose()
    return {"label": label, "rows": report.inserted + report.updated, "import_seconds": import_seconds,
            "analyze_seconds": analyze_seconds, "latencies": latencies, "hits": hits, "skipped_import": skip_import,
            "plans": plans}


def print_table(results: list[dict], count: int, generate_seconds: float, report: bool = False) -> None:
    print()
    print(f"enterprise search benchmark: {count:,} synthetic enterprises "
          f"(file generated in {generate_seconds:.0f} s); load average {_load()}")
    print(f"{'database':<11}{'kind':<26}{'n':>5}{'found':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  target")
    for result in results:
        name = LABELS.get(result["label"], result["label"])
        if result["skipped_import"]:
            print(f"{result['label']:<11}{'import':<26}  (not run: --skip-import)")
        else:
            rate = result["rows"] / result["import_seconds"]
            print(f"{result['label']:<11}{'import':<26}{result['rows']:>5}{'':>7}"
                  f"{'':>9}{'':>9}{'':>9}{'':>9}  {rate:,.0f} rows/s ({result['import_seconds']:.0f} s; "
                  f"analyze {result['analyze_seconds']:.0f} s) {'OK' if rate >= 10_000 else 'MISS'} (>= 10,000)")
            if report:
                figure(f"import rate at {count:,} rows, {name}", round(rate), "rows/s", target=">= 10000 rows/s",
                       ok=rate >= 10_000)
        for kind, times in result["latencies"].items():
            p50, p95 = statistics.median(times), _percentile(times, 95)
            print(f"{'':<11}{kind:<26}{len(times):>5}{result['hits'][kind]:>7}{p50:>9.1f}"
                  f"{p95:>9.1f}{_percentile(times, 99):>9.1f}{max(times):>9.1f}  {'OK' if p95 <= 50 else 'MISS'} (p95 <= 50)")
            if report:
                figure(f"{name} search p50 at {count:,} rows, {kind}", round(p50, 1), "ms")
                figure(f"{name} search p95 at {count:,} rows, {kind}", round(p95, 1), "ms", target="<= 50 ms",
                       ok=p95 <= 50)
    sys.stdout.flush()


def print_plans(result: dict) -> None:
    for kind, (params, lines) in result.get("plans", {}).items():
        print(f"\n[{result['label']}] EXPLAIN (ANALYZE, BUFFERS), {kind}: {params}")
        print("\n".join(lines))
    sys.stdout.flush()


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=None, help=f"rows (default {DEFAULT_COUNT:,})")
    parser.add_argument("--full", action="store_true", help=f"the issue's size: {FULL_COUNT:,} rows")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of one query of each kind (PostgreSQL)")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind (at least 200 for the report)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:55432/registry_bench"))
    parser.add_argument("--workdir", default=None, help="where the data file and SQLite database go")
    parser.add_argument("--skip-import", action="store_true",
                        help="time the queries on databases loaded by an earlier run (same --count, --workdir)")
    args = parser.parse_args()
    args.count = args.count or (FULL_COUNT if args.full else DEFAULT_COUNT)

    workdir = args.workdir or tempfile.mkdtemp(prefix="enterprise-bench-")
    os.makedirs(workdir, exist_ok=True)
    data_file = os.path.join(workdir, f"enterprises-{args.count}.jsonl")
    # A file of the same size from an earlier run in the same --workdir is reused (it is deterministic).
    generate_seconds = 0.0 if args.skip_import or os.path.exists(data_file) else make_file(data_file, args.count)
    queries = build_queries(make_sample(args.count, sample_size=5000), args.queries)
    results = []
    for label in args.databases.split(","):
        if label == "sqlite":
            path = os.path.join(workdir, "bench.sqlite")
            for suffix in ("", "-wal", "-shm") if not args.skip_import else ():
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            url = "sqlite:///" + path
        else:
            url = args.pg_url
        print(f"[{label}] importing {args.count:,} rows ...", file=sys.stderr, flush=True)
        results.append(run_database(label, url, data_file, args.count, queries, workdir, args.skip_import,
                                    args.explain))
        print_table(results[-1:], args.count, generate_seconds)
        print_plans(results[-1])
    print_table(results, args.count, generate_seconds, report=True)


if __name__ == "__main__":
    main()
