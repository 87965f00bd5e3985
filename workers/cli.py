"""`flask workers ...`: the daily departure sweep and the check-in reminders."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from workers.attendance import departure


@click.group("workers", help="Worker jobs: departure sweep and check-in reminders.")
def workers_cli() -> None:
    pass


@workers_cli.command("sweep")
@click.option("--batch-size", default=50_000, show_default=True, type=click.IntRange(100, 1_000_000),
              help="Workers (by id range) per UPDATE and commit.")
@with_appcontext
def sweep_command(batch_size: int) -> None:
    """Mark departed (离职) every worker without a check-in for more than 30 CST days.

    Idempotent and safe beside live check-ins; prints how many changed.
    """
    bounds = departure.id_range()
    span = (bounds[1] - bounds[0] + 1) if bounds else 0
    with click.progressbar(length=span, label="sweep", file=sys.stderr) as bar:
        result = departure.sweep(batch_size=batch_size, progress=bar.update)
    click.echo(f"{result.departed} worker(s) marked departed ({result.batches} batch(es)).")


@workers_cli.command("remind")
@with_appcontext
def remind_command() -> None:
    """Send the SMS reminders due at 25 and 29 days without a check-in (never twice per mark)."""
    sent = departure.remind()
    click.echo(", ".join(f"{count} reminder(s) at {mark} days" for mark, count in sorted(sent.items())) + ".")
