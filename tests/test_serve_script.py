"""`scripts/serve` (the end of `scripts/run`): gunicorn with two workers and a job worker, started
together, doing real work together, and all stopped by one Ctrl-C with no process left behind."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
import sqlalchemy as sa

from registry.core.database import declare_write_intent, reset_write_intent
from registry.core.extensions import db
from registry.jobs.models import Job
from tests.factories.deployment import ROOT, deployment_app, deployment_env

pytestmark = pytest.mark.own_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_starts_web_and_job_workers_and_ctrl_c_stops_them_all(tmp_path, database_url):
    env = deployment_env(database_url, tmp_path, "registry_serve_test", JOBS_BACKEND="sqlite")
    subprocess.run([sys.executable, "-m", "flask", "keys", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    port = free_port()
    env = {**env, "PORT": str(port), "WEB_WORKERS": "2"}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed at the end
    serve = subprocess.Popen(["bash", "scripts/serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = requests.get(f"{base}/readyz", timeout=10)
                if ready.status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.2)
        assert ready.json()["checks"]["queue"] is True
        workers = subprocess.run(["pgrep", "-g", str(serve.pid), "-f", "gunicorn"], capture_output=True, text=True)
        assert len(workers.stdout.split()) >= 3  # the master and two workers

        browser = requests.Session()
        token = browser.get(f"{base}/api/v1/session/csrf", timeout=5).json()["csrf_token"]
        sent = browser.post(f"{base}/api/v1/sms/codes", json={"phone": "13812345678", "purpose": "register"},
                            headers={"X-CSRFToken": token}, timeout=10)
        assert sent.status_code == 202, sent.text
        app = deployment_app(env)
        with app.app_context():
            # Poll as a reader and end each transaction before sleeping: a test holding SQLite's write
            # lock between polls starves the very job worker it is waiting for.
            reading = declare_write_intent(False)
            deadline = time.monotonic() + 60
            while True:
                status = db.session.scalar(sa.select(Job.status).where(Job.kind == "sms.code"))
                db.session.rollback()
                if status == "done":
                    break
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
                time.sleep(0.2)
            reset_write_intent(reading)
            db.session.remove()  # give the connection back before the pool is closed
            db.engine.dispose()
        metrics = requests.get(f"{base}/metrics", timeout=5).text
        assert 'registry_http_requests_total{endpoint="/api/v1/sms/codes",method="POST",status="202"}' in metrics
        assert 'registry_job_duration_seconds_count{kind="sms.code"} 1.0' in metrics  # from the job worker
    finally:
        os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to the whole group
        try:
            serve.wait(timeout=30)
        finally:
            deadline = time.monotonic() + 20
            while group_alive(serve.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            left = group_alive(serve.pid)
            if left:
                os.killpg(serve.pid, signal.SIGKILL)
            log.close()
    assert not left, "processes were left running after Ctrl-C"
    assert "Ctrl-C stops them all" in (tmp_path / "serve.log").read_text()
