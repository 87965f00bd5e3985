"""Certificate scan-verify throughput against a bare Flask endpoint, both under gunicorn.

    python bench/certificate_scan.py [--full] [--workers N] [--seconds S] [--connections 16]

Default: 20,000 workers, 8 s per load run (about 2 minutes); --full: the
issue's sizes (100,000 workers, 15 s per run).

Builds a SQLite database with N workers holding certificates, starts gunicorn
(2 worker processes) on 127.0.0.1 twice — once with the registry app, once
with bench/bare_app.py — and drives each with wrk (Debian package `wrk`; a
bounded Python client is used when wrk is missing). The scan-verify endpoint
(/api/v1/certificates/verification) checks signature, key, expiry, revocation
and departure on every request. Also prints token sign+verify per second on
one core (beside the raw Ed25519 sign+verify of the same machine, the floor
no token format can beat), offline verifications per second on one core
(certverify against a cached JWKS and the published status list, no call to
the platform) and the cost of a repeated (cached) QR render. Each figure also
goes to bench/report.py's figure().
Targets: scan-verify >= 50% of bare throughput; sign+verify >= 5,000/s per
core; cached QR repeat < 1 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import figure  # noqa: E402 - after the path set-up


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_database(instance: Path, count: int, sample: int) -> tuple[list[str], dict, list[str]]:
    """Create the database with `count` workers; return tokens for a sample of them, the JWKS and the lists."""
    import flask_migrate
    import sqlalchemy as sa

    from registry.app import MIGRATIONS_DIR, create_app
    from registry.core import tokens
    from registry.core.crypto import lookup_hash
    from registry.core.extensions import db
    from registry.core.signing import key_ring
    from workers.certificates import services as certificates
    from workers.certificates import status_lists
    from workers.certificates.models import Certificate
    from workers.models import Worker

    os.environ["REGISTRY_DATABASE_URL"] = f"sqlite:///{instance}/bench.sqlite"
    os.environ["REGISTRY_INSTANCE_PATH"] = str(instance)
    app = create_app()
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        from registry.accounts.models import Account

        key_ring(certificates.KEY_PURPOSE).current()  # the first key, before a transaction holds the write lock
        started = time.perf_counter()
        today = dt.date.today()
        batch = 10_000
        public_ids = []
        for low in range(0, count, batch):
            ids = range(low + 1, min(count, low + batch) + 1)
            phones = [f"13{i:09d}" for i in ids]
            db.session.execute(sa.insert(Account), [
                {"id": i, "role": "worker", "name": "测试员", "phone": p, "phone_hash": lookup_hash(p, "phone")}
                for i, p in zip(ids, phones)])
            db.session.execute(sa.insert(Worker), [
                {"account_id": i, "registration_step": "complete",
                 # spread: most active, some departed
                 "due_on": today + dt.timedelta(days=random.randint(-10, 30))} for i in ids])
            chunk = [secrets.token_urlsafe(16) for _ in ids]
            db.session.execute(sa.insert(Certificate), [
                {"id": i, "worker_id": i, "public_id": c, "status_list_id": status_lists.entry_for(i)[0],
                 "status_index": status_lists.entry_for(i)[1]} for i, c in zip(ids, chunk)])
            public_ids.extend((c, i) for c, i in zip(chunk, ids))
            db.session.commit()
        print(f"built {count:,} workers with certificates in {time.perf_counter() - started:.1f} s")
        ring = key_ring(certificates.KEY_PURPOSE)
        started = time.perf_counter()
        lists = [status_lists.publish(list_id).credential for list_id in status_lists.list_ids()]
        db.session.commit()
        print(f"published {len(lists)} status list(s) in {time.perf_counter() - started:.2f} s")
        chosen = random.sample(public_ids, min(sample, len(public_ids)))
        issued = [tokens.issue(ring, {"cid": cid, "sl": status_lists.entry_for(i)[0], "si": status_lists.entry_for(i)[1]},
                               dt.timedelta(hours=2), certificates.TOKEN_TYPE) for cid, i in chosen]
        return issued, ring.jwks(), lists


def start_gunicorn(target: str, port: int, env: dict) -> subprocess.Popen:
    # The app logs one event per request (as in production): to a file, since a pipe nobody reads fills up.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--no-control-socket",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    log.seek(0)
    raise RuntimeError(f"gunicorn did not start: {log.read().decode()[-2000:]}")


def run_wrk(url_paths: list[str], port: int, seconds: int, connections: int, workdir: Path) -> dict:
    script = workdir / "paths.lua"
    script.write_text("paths = {" + ",".join(f'"{p}"' for p in url_paths) + "}\n"
                      "counter = 0\nrequest = function()\n counter = counter + 1\n"
                      " return wrk.format(nil, paths[(counter % #paths) + 1])\nend\n")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(label):
        match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "errors": int(non2xx.group(1)) if non2xx else 0}


def run_python_client(url_paths: list[str], port: int, seconds: int, connections: int) -> dict:
    """Fallback load generator: bounded in time, keep-alive connections on loopback."""
    import http.client

    latencies: list[float] = []
    errors = [0]
    stop = time.time() + seconds
    lock = threading.Lock()

    def worker(offset: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = offset
        local = []
        while time.time() < stop:
            started = time.perf_counter()
            conn.request("GET", url_paths[n % len(url_paths)])
            response = conn.getresponse()
            response.read()
            local.append((time.perf_counter() - started) * 1000)
            if response.status >= 300:
                errors[0] += 1
            n += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {"rps": len(latencies) / seconds, "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)], "errors": errors[0]}


def sign_verify_rate(tokens_module, ring, token_type: str, seconds: float = 2.0) -> float:
    count = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        token = tokens_module.issue(ring, {"cid": "x" * 22, "sl": 1, "si": 99_999}, dt.timedelta(minutes=5),
                                    token_type)
        tokens_module.verify(ring, token, token_type)
        count += 1
    return count / (time.process_time() - started)


def ed25519_floor(seconds: float = 1.0) -> float:
    """Raw Ed25519 sign+verify of a token-sized message per CPU second: what no token format can beat."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    public, message, count = key.public_key(), b"x" * 190, 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        public.verify(key.sign(message), message)
        count += 1
    return count / (time.process_time() - started)


def offline_rate(token_list: list[str], jwks: dict, lists: list[str], seconds: float = 2.0) -> float:
    """certverify's offline check (signature, key, window, status-list entry) per CPU second."""
    from certverify import verifier

    keys = verifier.load_jwks(jwks)
    loaded = {}
    for credential in lists:
        status_list = verifier.load_status_list(credential, keys)
        loaded[status_list.list_id] = status_list
    count = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        verifier.verify(token_list[count % len(token_list)], keys, loaded)
        count += 1
    return count / (time.process_time() - started)


def qr_costs(token: str) -> tuple[float, float]:
    from registry.core import qr

    qr.clear_cache()
    started = time.perf_counter()
    qr.render_svg(token)
    cold = (time.perf_counter() - started) * 1000
    repeats = []
    for _ in range(200):
        started = time.perf_counter()
        qr.render_svg(token)
        repeats.append((time.perf_counter() - started) * 1000)
    return cold, statistics.median(repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the issue's sizes: 100,000 workers, 15 s per run")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    args.workers = args.workers or (100_000 if args.full else 20_000)
    args.seconds = args.seconds or (15 if args.full else 8)
    workdir = Path(tempfile.mkdtemp(prefix="bench-cert-"))
    try:
        tokens_for_load, jwks, lists = build_database(workdir, args.workers, sample=2000)
        paths = [f"/api/v1/certificates/verification?token={t}" for t in tokens_for_load]
        # One load generator on 127.0.0.1 is far past a household's limit: lift it to measure throughput.
        env = dict(os.environ, REGISTRY_DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite",
                   REGISTRY_INSTANCE_PATH=str(workdir), REGISTRY_VERIFY_RATE_LIMIT="1000000000/minute")
        load = (lambda p, port: run_wrk(p, port, args.seconds, args.connections, workdir)) if shutil.which("wrk") \
            else (lambda p, port: run_python_client(p, port, args.seconds, args.connections))
        results = {}
        for name, target, url_paths in (("bare Flask endpoint", "bench.bare_app:app", ["/bare"]),
                                        ("scan-verify", "registry:create_app()", paths)):
            port = free_port()
            server = start_gunicorn(target, port, env)
            try:
                for path in url_paths[:50]:  # warm-up: imports, key ring and connections in both workers
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read()
            except OSError:
                pass
            try:
                results[name] = load(url_paths, port)
            finally:
                server.terminate()
                server.wait(timeout=10)
        from registry.core import tokens
        from registry.core.signing import KeyRing

        rate = sign_verify_rate(tokens, KeyRing(workdir / "ring"), "bench+jws")
        floor = ed25519_floor()
        offline = offline_rate(tokens_for_load, jwks, lists)
        cold, cached = qr_costs(tokens_for_load[0])
        load_average = os.getloadavg()
        bare, scan = results["bare Flask endpoint"], results["scan-verify"]
        print(f"\ncertificate scan benchmark: {args.workers:,} workers, gunicorn 2 workers, "
              f"{'wrk' if shutil.which('wrk') else 'python client'} {args.connections} connections, "
              f"{args.seconds} s each")
        print(f"{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}")
        for name, r in results.items():
            print(f"{name:<22}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['errors']:>9}")
        ratio = scan["rps"] / bare["rps"]
        print(f"scan-verify / bare throughput: {ratio:.0%} (target >= 50%)")
        print(f"token sign+verify: {rate:,.0f} per second on one core (target >= 5,000); "
              f"raw Ed25519 sign+verify on this machine now: {floor:,.0f}/s ({rate / floor:.0%} of it)")
        print(f"offline verification (certverify, cached JWKS + status list): {offline:,.0f} per second on one core "
              f"(online endpoint: {scan['rps']:,.0f} req/s on 2 workers)")
        print(f"QR render: first {cold:.1f} ms, cached repeat {cached * 1000:.1f} us (target < 1 ms)")
        print(f"load average during the run: {load_average[0]:.2f} {load_average[1]:.2f} {load_average[2]:.2f} "
              f"({os.cpu_count()} cores)")
        figure("scan-verify / bare Flask", ratio, "ratio", target=">= 0.5", ok=ratio >= 0.5, baseline=bare["rps"])
        figure("scan-verify throughput", scan["rps"], "req/s", baseline=bare["rps"])
        figure("scan-verify p99", scan["p99"], "ms")
        figure("token sign+verify per core", rate, "/s", target=">= 5000 /s", ok=rate >= 5000, baseline=floor)
        figure("offline verifications per core", offline, "/s", baseline=scan["rps"])
        figure("QR cached repeat", cached, "ms", target="< 1 ms", ok=cached < 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
