"""The queue that carries job ids to workers: Huey, on SQLite (embedded default) or Redis.

Huey was chosen because it is small, maintained, has a SQLite storage that
needs no extra server (the embedded default, `instance/jobs.sqlite3`, shared
by every process of one machine), a Redis storage for many machines, a
consumer with worker threads and a periodic scheduler. Huey removes a task
from its queue before running it, so a worker killed mid-task would lose
it; that is why the job itself lives in our database (`Job`) and the queue
carries only its id: a lost id is found again by `services.recover`.

Modes (`REGISTRY_JOBS_BACKEND`): `sqlite`, `redis` (`REGISTRY_JOBS_REDIS_URL`)
and `immediate` (each job runs in the submitting process right after the
commit; the test default).
"""
from __future__ import annotations

import logging
import os

import redis
from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from registry.core.config import ConfigurationError
from registry.core.database import declare_write_intent, reset_write_intent
from registry.core.extensions import db
from registry.jobs import schedule, services

log = logging.getLogger(__name__)

BACKENDS = ("sqlite", "redis", "immediate")


class JobQueue:
    """One app's Huey instance, with the two tasks every job needs: deliver and tick."""

    def __init__(self, app: Flask, huey: Huey):
        self.app = app
        self.huey = huey
        self.backend = app.config["JOBS_BACKEND"]
        self.deliver_task = huey.task(name="deliver")(self._deliver)
        self.tick_task = huey.periodic_task(crontab(minute="*"), name="tick")(self._tick)
        huey.on_startup(name="recover")(self._recover_at_start)

    def _in_app(self, work):
        with self.app.app_context():
            token = declare_write_intent(True)
            try:
                return work()
            finally:
                reset_write_intent(token)
                db.session.remove()

    def _deliver(self, job_id: int):
        return self._in_app(lambda: services.deliver(job_id))

    def _tick(self):
        return self._in_app(schedule.tick)

    def _recover_at_start(self):
        # A worker (re)starting takes back what a killed one left once its lease has run out.
        self._in_app(services.recover)

    def enqueue(self, job_id: int, delay: float | None = None) -> None:
        """Put a job id on the queue (now, or after `delay` seconds)."""
        if delay:
            self.deliver_task.schedule(args=(job_id,), delay=delay)
        else:
            self.deliver_task(job_id)

    def depth(self) -> int:
        """Job ids waiting in the queue itself (raises when the queue is unreachable)."""
        return self.huey.pending_count() + self.huey.scheduled_count()

    def reachable(self) -> bool:
        try:
            self.depth()
        except Exception:  # noqa: BLE001 - any broker error means "not reachable"
            return False
        return True

    def consumer(self, workers: int, periodic: bool = True):
        """A Huey consumer running jobs in `workers` threads (and the every-minute tick when periodic)."""
        if self.backend == "immediate":
            raise ConfigurationError("REGISTRY_JOBS_BACKEND=immediate runs jobs in the app; there is no worker")
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic,
                                         check_worker_health=True, max_delay=2.0)


def make_huey(app: Flask) -> Huey:
    """The Huey instance the configuration asks for."""
    backend = app.config["JOBS_BACKEND"]
    if backend == "sqlite":
        path = app.config.get("JOBS_SQLITE_PATH") or os.path.join(app.instance_path, "jobs.sqlite3")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return SqliteHuey(name="registry", filename=path, results=False, utc=True)
    if backend == "redis":
        url = app.config.get("JOBS_REDIS_URL")
        if not url:
            raise ConfigurationError("REGISTRY_JOBS_BACKEND=redis needs REGISTRY_JOBS_REDIS_URL")
        # Short timeouts: an unreachable Redis must not hold a request (the job waits in the database).
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return RedisHuey(name="registry", connection_pool=pool, results=False, utc=True, blocking=True,
                         read_timeout=1)
    if backend == "immediate":
        return MemoryHuey(name="registry", results=False, utc=True, immediate=True)
    raise ConfigurationError(f"unknown jobs backend {backend!r} (use one of {', '.join(BACKENDS)})")


def init_queue(app: Flask) -> JobQueue:
    queue = JobQueue(app, make_huey(app))
    app.extensions[services.QUEUE_EXTENSION] = queue
    return queue
