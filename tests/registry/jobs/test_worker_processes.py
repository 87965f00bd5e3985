"""Real job workers (`flask jobs worker` processes) on the SQLite queue and on a real Redis server.

REGISTRY_TEST_REDIS_URL points at the Redis server `scripts/test` starts;
without it the Redis cases are skipped (the script says so loudly).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from registry.accounts import sms
from registry.accounts.models import SmsMessage
from registry.core import effects
from registry.core.extensions import db
from registry.enterprises import demo
from registry.enterprises.models import Enterprise
from registry.jobs import services as jobs
from registry.jobs.models import Job
from tests.factories.deployment import ROOT, deployment_app, deployment_env

pytestmark = pytest.mark.own_app
REDIS_URL = os.environ.get("REGISTRY_TEST_REDIS_URL")
LEASE_SECONDS = 2.0


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.skipif(
    not REDIS_URL, reason="no Redis server (REGISTRY_TEST_REDIS_URL unset)"))])
def deployment(request, tmp_path, database_url):
    settings = {"JOBS_BACKEND": request.param, "JOBS_LEASE_SECONDS": str(LEASE_SECONDS)}
    if request.param == "redis":
        import redis  # noqa: PLC0415 - only the Redis cases need the client

        redis.Redis.from_url(REDIS_URL).flushdb()
        settings["JOBS_REDIS_URL"] = REDIS_URL
    env = deployment_env(database_url, tmp_path, "registry_jobs_test", **settings)
    app = deployment_app(env)
    yield env, app
    with app.app_context():
        db.engine.dispose()


class WorkerProcess:
    """One `flask jobs worker` process, its output kept in a file for the failure message."""

    def __init__(self, env: dict, log_path):
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--threads", "2"],
                                        cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.log.closed:
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@pytest.fixture
def start_worker(deployment, tmp_path):
    env, _app = deployment
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def job_state(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge_all()
        return job


def wait_until(predicate, timeout: float, message: str, worker: WorkerProcess | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(message + ("\n" + worker.output() if worker else ""))


def test_a_message_submitted_by_the_app_is_sent_by_a_worker_process(deployment, start_worker):
    _env, app = deployment
    with app.app_context():
        sms.notify_by_sms("13800001111", "【家政信用】测试")
        effects.commit()
        job_id = db.session.scalar(sa.select(sa.func.max(Job.id)))
    worker = start_worker()
    wait_until(lambda: job_state(app, job_id).status == "done", 60, "the worker never ran the job", worker)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)) == 1
        assert db.session.get(Job, job_id).payload is None  # the phone and text do not stay behind


def test_a_worker_killed_mid_import_loses_nothing_and_the_rerun_is_exact(deployment, start_worker, tmp_path):
    _env, app = deployment
    rows = 15_000  # below the size where parsing moves to helper processes
    content = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in demo.generate(rows)).encode()
    with app.app_context():
        job_id = jobs.submit_upload("enterprises.import", "companies.jsonl", content, {"source": "kill-test"}, None).id
        effects.commit()
    first = start_worker()
    # Kill it once the first batch is committed and while more remain.
    wait_until(lambda: job_state(app, job_id).progress_done > 0, 120, "the import never started", first)
    first.kill()
    killed = job_state(app, job_id)
    assert killed.status == "running" and 0 < killed.progress_done < rows, "the kill did not land mid-job"
    with app.app_context():
        loaded_at_kill = db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))
    assert 0 < loaded_at_kill < rows

    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
    second = start_worker()  # its start-up recovery takes the job back
    wait_until(lambda: job_state(app, job_id).status == "done", 180, "the import was not resumed", second)
    finished = job_state(app, job_id)
    assert finished.attempts == 2
    assert finished.result["rows"] == rows
    assert (finished.result["inserted"], finished.result["updated"], finished.result["rejected"]) == (rows, 0, 0)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == rows
        codes = db.session.scalars(sa.select(Enterprise.credit_code)).all()
        assert len(set(codes)) == rows
        assert db.session.scalar(sa.text("SELECT count(*) FROM job_file")) == 0  # the upload is gone


def test_two_schedulers_ticking_at_once_submit_todays_sweep_once(deployment, start_worker):
    env, app = deployment
    ticks = [subprocess.Popen([sys.executable, "-m", "flask", "jobs", "tick", "--day", "2026-11-30"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [tick.communicate(timeout=120)[0] for tick in ticks]
    assert all(tick.returncode == 0 for tick in ticks), outputs
    worker = start_worker()

    def sweeps():
        with app.app_context():
            # (the worker's own every-minute tick may add today's sweep beside the caught-up day's)
            found = db.session.scalars(sa.select(Job).where(Job.kind == "workers.sweep",
                                                            Job.unique_key.like("%@2026-11-30"))).all()
            db.session.expunge_all()
            return found

    wait_until(lambda: all(j.status == "done" for j in sweeps()), 60, "the sweep did not run", worker)
    (sweep,) = sweeps()
    assert sweep.unique_key == "workers.sweep@2026-11-30" and sweep.result == {"departed": 0}
