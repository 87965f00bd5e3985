"""`flask jobs worker|tick|list|retry`: the job worker and the operator's look at the queue."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from registry.core.effects import commit
from registry.core.errors import DomainError
from registry.jobs import messages, schedule, services

cli = AppGroup("jobs", help="Background jobs: the worker, the schedule, the dead letters.")


@cli.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), help="Jobs run at once (default REGISTRY_JOBS_WORKER_THREADS).")
@click.option("--no-scheduler", is_flag=True, help="Do not run the every-minute tick (another worker runs it).")
def worker_command(threads: int | None, no_scheduler: bool) -> None:
    """Run jobs until stopped (Ctrl-C finishes the jobs in hand, SIGTERM stops at once).

    Every worker may run the scheduler: daily jobs carry the day in a unique
    key, so two schedulers submit each once.
    """
    queue = current_app.extensions[services.QUEUE_EXTENSION]
    count = threads or current_app.config["JOBS_WORKER_THREADS"]
    try:
        consumer = queue.consumer(count, periodic=not no_scheduler)
    except Exception as exc:  # noqa: BLE001 - configuration errors end the command with their words
        raise click.ClickException(str(exc)) from None
    click.echo(f"job worker: {count} thread(s) on the {queue.backend} queue"
               f"{'' if no_scheduler else ', with the scheduler'}", err=True)
    consumer.run()


@cli.command("tick")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]),
              help="Submit every scheduled job of this China Standard Time day not yet submitted (catch-up).")
def tick_command(day) -> None:
    """Do one scheduler tick now: submit due daily jobs, queue again what was left behind."""
    result = schedule.tick(day.date() if day else None)
    click.echo(f"{result['submitted']} scheduled job(s) submitted, {result['recovered']} queued again, "
               f"{result['purged']} old summaries removed.")


@cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in services.JobStatus]))
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 1000))
def list_command(status: str | None, limit: int) -> None:
    """The latest jobs (newest first) and the count in each status."""
    totals = services.counts()
    click.echo(", ".join(f"{messages.status_label(name)} {count}" for name, count in totals.items()))
    for job in services.recent(limit, status):
        progress = f"{job.progress_done}/{job.progress_total}" if job.progress_total else f"{job.progress_done}"
        click.echo(f"#{job.id} {messages.kind_label(job.kind)} {messages.status_label(job.status)} "
                   f"attempts {job.attempts}/{job.max_attempts} progress {progress}"
                   + (f" error: {job.last_error}" if job.last_error else ""))


@cli.command("retry")
@click.argument("job_id", type=click.IntRange(1, 2**31 - 1))
def retry_command(job_id: int) -> None:
    """Give a dead job a fresh set of attempts."""
    try:
        services.retry(job_id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    commit()
    click.echo(f"job {job_id} queued again.")
