"""Job throughput: N text-message jobs submitted in one transaction, run by one real `flask jobs worker`.

    python bench/job_throughput.py [--jobs 2000] [--threads 4] [--database-url URL] [--redis-url URL]

Each job claims its row, sends through the outbox backend (an encrypted
outbox row), and commits its end; the figure is jobs finished per second
from the worker's start, with the submit time beside it. Runs on SQLite with
the embedded SQLite queue, and on the given PostgreSQL with Redis when both
URLs are given.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "nfc"))


def run(label: str, database_url: str | None, backend: str, redis_url: str | None, jobs: int, threads: int) -> dict:
    import flask_migrate
    import sqlalchemy as sa
    from cryptography.fernet import Fernet

    from tests.factories.app import reset_database

    workdir = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    url = database_url or f"sqlite:///{workdir}/jobs.sqlite"
    reset_database(url)  # a fresh PostgreSQL schema (a SQLite file is new anyway)
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_INSTANCE_PATH": str(workdir / "instance"),
           "REGISTRY_SECRET_KEY": "bench", "REGISTRY_LOOKUP_KEY": "bench",
           "REGISTRY_DATA_KEYS": json.dumps([Fernet.generate_key().decode()]), "REGISTRY_JOBS_BACKEND": backend,
           "REGISTRY_LOG_FORMAT": "text", "FLASK_APP": "registry",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'nfc'}"}
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        env["REGISTRY_JOBS_REDIS_URL"] = redis_url
    os.environ.update({k: v for k, v in env.items() if k.startswith("REGISTRY_")})
    from registry.accounts import sms
    from registry.app import MIGRATIONS_DIR, create_app
    from registry.core import effects
    from registry.core.extensions import db
    from registry.jobs.models import Job

    app = create_app(instance_path=env["REGISTRY_INSTANCE_PATH"])
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        started = time.perf_counter()
        for number in range(jobs):
            sms.notify_by_sms(f"139{number:08d}", "【家政信用】基准测试")
        effects.commit()
        submit_seconds = time.perf_counter() - started
        worker = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "jobs", "worker", "--threads",
                                   str(threads), "--no-scheduler"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.perf_counter()
        try:
            while True:
                done = db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.status == "done"))
                db.session.rollback()
                if done >= jobs or time.perf_counter() - started > 600:
                    break
                time.sleep(0.1)
            seconds = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        db.engine.dispose()
    return {"label": label, "jobs": jobs, "done": done, "submit_s": submit_seconds, "run_s": seconds,
            "rate": done / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--full", action="store_true", help="10,000 jobs")
    args = parser.parse_args()
    if args.full:
        args.jobs = max(args.jobs, 10_000)
    from report import figure  # noqa: PLC0415 - bench/report.py, beside this script
    results = [run("sqlite + sqlite queue", None, "sqlite", None, args.jobs, args.threads)]
    if args.database_url and args.redis_url:
        results.append(run("postgresql + redis", args.database_url, "redis", args.redis_url, args.jobs, args.threads))
    print(f"\njob throughput: {args.jobs} SMS jobs, one worker process with {args.threads} threads (2 cores)")
    print(f"{'setup':24} {'done':>6} {'submit s':>9} {'run s':>7} {'jobs/s':>8}")
    for r in results:
        print(f"{r['label']:24} {r['done']:>6} {r['submit_s']:>9.2f} {r['run_s']:>7.2f} {r['rate']:>8.1f}")
        figure(f"jobs/s, {r['label']}", round(r["rate"], 1), "jobs/s", target=f"{args.jobs} done",
               ok=r["done"] == args.jobs)


if __name__ == "__main__":
    main()
