"""Shared pieces of the HTTP benchmarks: gunicorn on a free port, wrk over a list of paths, the load average.

Not a benchmark itself (scripts/bench skips it). Serves the way bench/certificate_scan.py does:
gunicorn with 2 worker processes on 127.0.0.1, the app's log to a temporary file (a pipe nobody
reads fills up), and bench/bare_app.py as the baseline.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_APP = "bench.bare_app:app"
BARE_PATH = "/bare"
REGISTRY_APP = "registry:create_app()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


class Server:
    """gunicorn serving `target` until stopped (a context manager)."""

    def __init__(self, target: str, env: dict, workers: int = 2):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--no-control-socket",
             "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", target],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self._wait()

    def _wait(self) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers (the bare app has no /healthz)
            except OSError:
                time.sleep(0.2)
        self.stop()
        self.log.seek(0)
        raise RuntimeError(f"gunicorn did not start: {self.log.read().decode(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _milliseconds(value: str, unit: str) -> float:
    return float(value) / 1000 if unit == "us" else float(value) * 1000 if unit == "s" else float(value)


def run_wrk(port: int, paths: list[str], seconds: float, connections: int, workdir: Path,
            threads: int = 2) -> dict:
    """wrk against 127.0.0.1:port, cycling through `paths`; req/s, p50/p99 in ms and non-2xx/3xx answers."""
    script = workdir / f"paths-{port}.lua"
    quoted = ",".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script.write_text(f"paths = {{{quoted}}}\ncounter = 0\nrequest = function()\n counter = counter + 1\n"
                      " return wrk.format(nil, paths[(counter % #paths) + 1])\nend\n")
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(label: str) -> float:
        match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        return _milliseconds(*match.groups()) if match else float("nan")

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "errors": int(non2xx.group(1)) if non2xx else 0}
