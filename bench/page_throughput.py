"""Public pages under load: each page's req/s beside bare Flask's, on SQLite and PostgreSQL.

    .venv/bin/python bench/page_throughput.py [--count 20000 | --full] [--seconds 8] [--connections 16]
                                              [--databases sqlite,postgresql] [--pg-url URL]

Loads --count synthetic enterprises (registry.enterprises.demo, through the
real importer) and some news into a fresh database of each kind, starts
gunicorn (2 worker processes) with the registry app and, in the same run,
with bench/bare_app.py, and drives each with wrk (16 connections) over:
the home page, the news list, the enterprise search API and page (a set of
distinct queries: 2-character names, brands, a province), enterprise
profile pages (distinct codes) and the JWKS. Visitors are anonymous, as
the public is; each page is warmed (every path asked once per worker)
before it is timed, so the figures are the steady state of a page whose
answers the app keeps (registry/web/caching.py). --full loads 1,000,000
enterprises, as issue 17 asks. Target: each page >= 0.3 of bare Flask.

PostgreSQL: --pg-url (or BENCH_PG_URL); without one, scripts/start-postgres.sh
starts a throwaway server (BENCH_PG_DIR, default /tmp/bench-pages-pg, port
BENCH_PG_PORT, default 55441); the database's schema is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import figure  # noqa: E402
from bench.serving import BARE_APP, BARE_PATH, REGISTRY_APP, Server, load_average, run_wrk  # noqa: E402

TARGET = 0.3
FULL_COUNT = 1_000_000
PAGES = ("home", "news list", "search API", "search page", "enterprise page", "JWKS")


def write_file(path: Path, count: int) -> None:
    from registry.enterprises import demo

    with open(path, "w", encoding="utf-8") as handle:
        for row in demo.generate(count):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def build(url: str, instance: Path, data_file: Path, articles: int) -> dict:
    """Migrate, import the file, add news; return sample rows for the paths."""
    import flask_migrate
    import sqlalchemy as sa

    from registry.app import MIGRATIONS_DIR, create_app
    from registry.core.effects import commit
    from registry.core.extensions import db
    from registry.core.signing import ensure_keys
    from registry.enterprises import demo, fileio
    from registry.enterprises.models import Enterprise
    from registry.news import services as news
    from tests.factories.app import reset_database

    reset_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=str(instance))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        ensure_keys()
        started = time.perf_counter()
        for _report, _lines in fileio.import_batches(str(data_file), source=demo.DEMO_SOURCE, fmt="jsonl",
                                                     encoding="utf-8"):
            commit()
        imported = time.perf_counter() - started
        for number in range(articles):
            news.save_article(None, kind=("news", "notice", "policy")[number % 3],
                              title=f"【示例】第{number + 1}期家政服务信用动态（演示内容）",
                              body="本文为**演示数据**。\n\n- 家政服务员持证上门；\n- 企业信用信息公示。",
                              source=demo.DEMO_SOURCE, publish=True, actor_id=None)
        commit()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))
        step = max(1, total // 400)
        rows = db.session.execute(
            sa.select(Enterprise.credit_code, Enterprise.name, Enterprise.province_code, Enterprise.search_text)
            .where(Enterprise.id % step == 0).limit(400)).all()
        db.session.remove()
        db.engine.dispose()
    return {"rows": rows, "total": total, "import_seconds": imported}


def paths_for(sample: dict, queries: int, seed: int = 17) -> dict[str, list[str]]:
    from registry.enterprises.demo import DEMO_MARK

    rnd = random.Random(seed)
    rows = sample["rows"]

    def query() -> dict:
        code, name, province, search_text = rnd.choice(rows)
        name = name.removesuffix(DEMO_MARK)
        kind = rnd.random()
        if kind < 0.4:
            start = rnd.randrange(0, max(1, len(name) - 2))
            return {"q": name[start:start + 2]}
        if kind < 0.7:
            brand = search_text.split("\x1f")[-1] or name
            return {"q": brand[:3] if len(brand) >= 3 else name[:2]}
        return {"q": name[2:4], "province": province}

    api = sorted({urlencode(query()) for _ in range(queries)})
    page = sorted({urlencode(query()) for _ in range(queries)})
    return {
        "home": ["/"],
        "news list": ["/news", "/news?kind=news", "/news?kind=policy", "/news?page=2"],
        "search API": [f"/api/v1/enterprises?{q}" for q in api],
        "search page": ["/enterprises"] + [f"/enterprises?{q}" for q in page],
        "enterprise page": [f"/enterprises/{row[0]}" for row in rows[:queries]],
        "JWKS": ["/.well-known/jwks.json"],
    }


def _check(port: int, path: str) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}")


def measure(label: str, url: str, instance: Path, paths: dict[str, list[str]], args, workdir: Path) -> list[dict]:
    env = dict(os.environ, REGISTRY_DATABASE_URL=url, REGISTRY_INSTANCE_PATH=str(instance),
               REGISTRY_LOOKUP_RATE_LIMIT="1000000000/minute", REGISTRY_VERIFY_RATE_LIMIT="1000000000/minute")
    with Server(BARE_APP, env) as bare_server:
        run_wrk(bare_server.port, [BARE_PATH], 2, args.connections, workdir)
        bare = run_wrk(bare_server.port, [BARE_PATH], args.seconds, args.connections, workdir)
    results = []
    with Server(REGISTRY_APP, env) as server:
        for page in PAGES:
            page_paths = paths[page]
            _check(server.port, page_paths[0])
            # Warm-up: every path at least once in each worker (wrk spreads connections over both).
            run_wrk(server.port, page_paths, max(2.0, min(20.0, len(page_paths) * 0.1)), args.connections, workdir)
            result = run_wrk(server.port, page_paths, args.seconds, args.connections, workdir)
            ratio = result["rps"] / bare["rps"]
            ok = ratio >= TARGET and result["errors"] == 0
            results.append({"database": label, "page": page, "paths": len(page_paths), "bare": bare["rps"],
                            "ratio": ratio, "ok": ok, **result})
            figure(f"{label} {page} / bare Flask", round(result["rps"], 1), "req/s", target=f">= {TARGET} of bare",
                   ok=ok, baseline=round(bare["rps"], 1))
    return results


def print_table(label: str, count: int, results: list[dict], args) -> None:
    print(f"\npublic pages, {label}: {count:,} enterprises, gunicorn 2 workers, wrk {args.connections} connections, "
          f"{args.seconds:g} s each, anonymous visitors, warm; {load_average()}")
    print(f"{'page':<17}{'paths':>6}{'req/s':>9}{'bare req/s':>12}{'ratio':>7}{'p99 ms':>9}{'target':>9}  result")
    for r in results:
        verdict = ("OK" if r["ok"] else "MISS") + (f" ({r['errors']} non-2xx)" if r["errors"] else "")
        print(f"{r['page']:<17}{r['paths']:>6}{r['rps']:>9.0f}{r['bare']:>12.0f}{r['ratio']:>7.2f}{r['p99']:>9.1f}"
              f"{'>= ' + str(TARGET):>9}  {verdict}")
    sys.stdout.flush()


def postgres_url(args) -> str | None:
    if args.pg_url:
        return args.pg_url
    data_dir = os.environ.get("BENCH_PG_DIR", "/tmp/bench-pages-pg")
    port = os.environ.get("BENCH_PG_PORT", "55441")
    started = subprocess.run([str(ROOT / "scripts" / "start-postgres.sh"), data_dir, port],
                             capture_output=True, text=True)
    if started.returncode != 0:
        print(f"PostgreSQL could not be started (exit {started.returncode}): {started.stderr[-500:]}", file=sys.stderr)
        return None
    return started.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000, help="enterprises loaded (default 20,000)")
    parser.add_argument("--full", action="store_true", help=f"{FULL_COUNT:,} enterprises, as issue 17 asks")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--queries", type=int, default=100, help="distinct search queries and profiles")
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    count = FULL_COUNT if args.full else args.count
    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        data_file = workdir / "enterprises.jsonl"
        write_file(data_file, count)
        for label in args.databases.split(","):
            if label == "sqlite":
                url = f"sqlite:///{workdir}/pages.sqlite"
            else:
                url = postgres_url(args)
                if url is None:
                    print("postgresql: skipped", file=sys.stderr)
                    continue
            instance = workdir / f"instance-{label}"
            instance.mkdir()
            print(f"[{label}] loading {count:,} enterprises ...", file=sys.stderr, flush=True)
            sample = build(url, instance, data_file, args.articles)
            print(f"[{label}] {sample['total']:,} enterprises imported in {sample['import_seconds']:.1f} s",
                  file=sys.stderr, flush=True)
            results = measure(label, url, instance, paths_for(sample, args.queries), args, workdir)
            print_table(label, count, results, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
