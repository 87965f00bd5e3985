"""flask feeds import KIND FILE"""
from __future__ import annotations

import csv
import os

import click
from flask.cli import AppGroup

from registry.core.effects import commit
from registry.feeds import services
from registry.feeds.schemas import KINDS

cli = AppGroup("feeds", help="Per-person data feeds from outside agencies.")
BATCH = 1000


@cli.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
              help="Write the per-line error report to this CSV file.")
def import_command(kind: str, path: str, errors_path: str | None):
    """Load a JSON Lines file of KIND (tax, bank_credit, background_check; health, insurance, training)."""
    report = services.ImportReport()
    size = os.path.getsize(path)
    batch: list[tuple[int, str]] = []
    with open(path, "rb") as handle, click.progressbar(length=size, label=f"importing {kind}") as bar:
        for number, line in enumerate(handle, start=1):
            bar.update(len(line))
            batch.append((number, line))
            if len(batch) >= BATCH:
                services.import_lines(kind, batch, report)
                commit()  # a killed run keeps whole batches; rerunning replaces, never duplicates
                batch = []
        if batch:
            services.import_lines(kind, batch, report)
            commit()
    click.echo(f"{kind}: {report.loaded} loaded, {report.replaced} replaced, {len(report.errors)} problems")
    for error in report.errors[:50]:
        click.echo(f"  line {error.line}: {error.field}: {error.reason}")
    if len(report.errors) > 50:
        click.echo(f"  ... {len(report.errors) - 50} more")
    if errors_path:
        with open(errors_path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "field", "reason"])
            for error in report.errors:
                writer.writerow([error.line, error.field, error.reason])
