"""`flask workers ...`: the daily departure sweep, the check-in reminders and the reader stations."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from registry.core.effects import commit
from workers.attendance import departure
from workers.identity.cli import stations_cli

cli = AppGroup("workers", help="Worker jobs: departure sweep, check-in reminders, reader stations.")
cli.add_command(stations_cli)


@cli.command("sweep")
@click.option("--batch-size", default=50_000, show_default=True, type=click.IntRange(100, 1_000_000),
              help="Workers (by id range) per UPDATE and commit.")
def sweep_command(batch_size: int) -> None:
    """Mark departed (离职) every worker without a check-in for more than 30 CST days.

    Idempotent and safe beside live check-ins; commits per batch; prints how many changed.
    """
    bounds = departure.id_range()
    span = (bounds[1] - bounds[0] + 1) if bounds else 0
    changed = batches = 0
    with click.progressbar(length=span, label="sweep", file=sys.stderr) as bar:
        for departed, covered in departure.sweep_batches(batch_size):
            commit()
            changed, batches = changed + departed, batches + 1
            bar.update(covered)
    click.echo(f"{changed} worker(s) marked departed ({batches} batch(es)).")


@cli.command("remind")
def remind_command() -> None:
    """Send the SMS reminders due at 25 and 29 days without a check-in (never twice per mark).

    Each batch's claims and its queued messages are committed together;
    the job worker sends them (and retries a failed one).
    """
    sent = {mark: 0 for mark in departure.REMINDER_MARKS}
    for batch in departure.remind_batches():
        sent[batch.mark] += departure.deliver(batch)
        commit()
    click.echo(", ".join(f"{count} reminder(s) at {mark} days" for mark, count in sorted(sent.items())) + ".")
