"""Concurrent writers against gunicorn (2 worker processes) and a job worker: registrations and profile saves.

    python bench/concurrent_writes.py [--clients 8] [--seconds 30] [--database-url URL]

Starts gunicorn and `flask jobs worker` with the registry on a fresh database (SQLite in a temporary
instance folder by default; pass a PostgreSQL URL to measure that instead),
then runs N client threads for the given time. Each client registers a
worker account over the API (SMS code read from the outbox), then loops:
save its basic profile section (PUT), and every fourth round register one
more account. Prints requests, 5xx answers, other refusals and latency
percentiles. Target: 0 answers 5xx ("database is locked" used to be 48%).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.core.idnumbers import id_check_char  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Outbox:
    """Reads SMS codes the server wrote to its outbox (the bench runs beside the server, as a person reads a phone)."""

    def __init__(self, env: dict):
        from registry.app import create_app  # noqa: PLC0415 - configured from the environment built above

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": env["REGISTRY_DATABASE_URL"],
                               "DATA_KEYS": json.loads(env["REGISTRY_DATA_KEYS"]),
                               "SECRET_KEY": env["REGISTRY_SECRET_KEY"], "LOOKUP_KEY": env["REGISTRY_LOOKUP_KEY"]},
                              instance_path=env["REGISTRY_INSTANCE_PATH"])
        self.lock = threading.Lock()

    def code_for(self, phone: str) -> str:
        from registry.accounts.models import SmsMessage  # noqa: PLC0415
        from registry.core.crypto import lookup_hash  # noqa: PLC0415
        from registry.core.extensions import db  # noqa: PLC0415

        with self.lock, self.app.app_context():
            for _attempt in range(400):
                message = db.session.scalars(sa.select(SmsMessage).where(
                    SmsMessage.phone_hash == lookup_hash(phone, "phone")).order_by(SmsMessage.id.desc())
                    .limit(1)).first()
                if message is not None:
                    return re.search(r"\d{6}", message.body).group(0)
                db.session.rollback()
                time.sleep(0.05)
        raise RuntimeError("no SMS code arrived")


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_status: dict[int, int] = {}

    def record(self, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_status[status] = self.by_status.get(status, 0) + 1


def identity(sequence: int) -> tuple[str, str]:
    first17 = f"110105{1970 + sequence % 30}0307{sequence % 1000:03d}"
    return f"139{sequence:08d}", first17 + id_check_char(first17)


def call(counter: Counter, session: requests.Session, method: str, url: str, **kwargs) -> requests.Response:
    started = time.perf_counter()
    response = session.request(method, url, timeout=60, **kwargs)
    counter.record(response.status_code, time.perf_counter() - started)
    return response


def register(base: str, outbox: Outbox, counter: Counter, sequence: int) -> requests.Session:
    session = requests.Session()
    csrf = call(counter, session, "GET", f"{base}/api/v1/session/csrf").json()["csrf_token"]
    session.headers["X-CSRFToken"] = csrf
    phone, id_number = identity(sequence)
    call(counter, session, "POST", f"{base}/api/v1/sms/codes", json={"phone": phone, "purpose": "register"})
    code = outbox.code_for(phone)
    call(counter, session, "POST", f"{base}/api/v1/accounts",
         json={"role": "worker", "name": "测试员", "id_number": id_number, "phone": phone, "code": code})
    return session


def client(base: str, outbox: Outbox, counter: Counter, index: int, stop_at: float, sequences) -> None:
    session = register(base, outbox, counter, next(sequences))
    rounds = 0
    while time.monotonic() < stop_at:
        rounds += 1
        call(counter, session, "PUT", f"{base}/api/v1/workers/me/profile/basic",
             json={"hometown": f"北京{index}-{rounds}", "ethnicity": "汉族", "education": "senior_high",
                   "languages": ["普通话"]})
        if rounds % 4 == 0:
            register(base, outbox, counter, next(sequences))


def run(database_url: str | None, clients: int, seconds: float) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    url = database_url or f"sqlite:///{workdir}/bench.sqlite"
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_INSTANCE_PATH": str(workdir / "instance"),
           "REGISTRY_SECRET_KEY": "bench", "REGISTRY_LOOKUP_KEY": "bench",
           "REGISTRY_DATA_KEYS": json.dumps([Fernet.generate_key().decode()]),
           "REGISTRY_SMS_HOURLY_LIMIT_PER_IP": "100000000", "REGISTRY_SIGN_IN_RATE_LIMIT": "1000000000/minute",
           "FLASK_APP": "registry",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'nfc'}"}
    bin_dir = Path(sys.executable).parent
    if database_url and database_url.startswith("postgresql"):
        engine = sa.create_engine(database_url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        engine.dispose()
    for command in (["db", "upgrade"], ["keys", "init"]):
        subprocess.run([str(bin_dir / "flask"), *command], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--no-control-socket", "registry.app:create_app()"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The job worker sends the SMS codes (writing the outbox) while the web workers write too.
    job_worker = subprocess.Popen([str(bin_dir / "flask"), "jobs", "worker"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(200):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        outbox = Outbox(env)
        counter = Counter()
        sequences = iter(range(1, 10**8))
        sequence_lock = threading.Lock()

        def next_sequence():
            while True:
                with sequence_lock:
                    value = next(sequences)
                yield value

        shared = next_sequence()
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=client, args=(base, outbox, counter, i, stop_at, shared))
                   for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for process in (server, job_worker):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    latencies = sorted(counter.latencies)
    errors = sum(n for status, n in counter.by_status.items() if status >= 500)
    refused = sum(n for status, n in counter.by_status.items() if 400 <= status < 500)
    return {"database": "postgresql" if url.startswith("postgresql") else "sqlite", "requests": len(latencies),
            "5xx": errors, "4xx": refused, "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "rate": len(latencies) / seconds,
            "statuses": dict(sorted(counter.by_status.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", action="append",
                        help="PostgreSQL URL to measure (repeatable); SQLite is always measured")
    parser.add_argument("--full", action="store_true", help="60 s per database")
    args = parser.parse_args()
    if args.full:
        args.seconds = max(args.seconds, 60.0)
    from report import figure  # noqa: PLC0415 - bench/report.py, beside this script
    results = [run(None, args.clients, args.seconds)]
    for url in args.database_url or ():
        results.append(run(url, args.clients, args.seconds))
    print(f"{args.clients} clients, {args.seconds:.0f} s, gunicorn 2 workers: registrations + profile saves")
    print(f"{'database':<11} {'requests':>9} {'req/s':>7} {'5xx':>5} {'4xx':>5} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for r in results:
        print(f"{r['database']:<11} {r['requests']:>9} {r['rate']:>7.1f} {r['5xx']:>5} {r['4xx']:>5} "
              f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}  {r['statuses']}")
        figure(f"concurrent writes req/s, {r['database']} (5xx: {r['5xx']})", round(r["rate"], 1), "req/s",
               target="no 5xx", ok=r["5xx"] == 0)


if __name__ == "__main__":
    main()
