"""flask enterprises import|export|add-staff and flask demo enterprises."""
from __future__ import annotations

import csv
import sys

import click
from flask.cli import AppGroup, with_appcontext

from registry.accounts import services as accounts
from registry.core.effects import commit
from registry.core.errors import DomainError
from registry.core.extensions import db
from registry.enterprises import demo, fileio, loader, services, validation

cli = AppGroup("enterprises", help="Enterprise credit registry: import, export, staff.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", help="Source name of the file's credit records (default: the file name); "
                               "records of this source are replaced for every enterprise in the file.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Default: from the extension.")
@click.option("--encoding", type=click.Choice(["utf-8", "gb18030"]), help="Default: detected.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the per-row error report (line, field, reason) to this CSV file.")
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 50_000))
def import_command(path, source, fmt, encoding, errors_path, batch_size):
    """Upsert enterprises from a CSV (UTF-8/GB18030) or JSON Lines file."""
    try:
        _enc, lines = fileio.detect_encoding(path, encoding)
        with click.progressbar(length=max(lines, 1), label="importing", file=sys.stderr) as bar:
            for report, lines_read in fileio.import_batches(path, source=source, fmt=fmt, encoding=encoding,  # noqa: B007 - the last report yielded is the result
                                                            batch_size=batch_size):
                commit()  # a killed run keeps whole batches; rerunning completes the job
                bar.update(lines_read)
    except fileio.FileRejected as exc:
        db.session.rollback()
        raise click.ClickException(f"{path}: {exc}") from None
    except BaseException:
        db.session.rollback()  # the batch in flight goes whole; the committed ones stay
        raise
    click.echo(f"{report.rows} rows read ({report.format}, {report.encoding}): {report.inserted} added, "
               f"{report.updated} updated, {report.rejected} rejected")
    for error in report.errors[:20]:
        click.echo(f"  line {error.line}: {error.field}: {error.reason}", err=True)
    if len(report.errors) > 20:
        click.echo(f"  ... {len(report.errors) - 20} more errors", err=True)
    if errors_path:
        with open(errors_path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "field", "reason"])
            writer.writerows((e.line, e.field, e.reason) for e in report.errors)
    if report.rejected:
        sys.exit(1)


@cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="Default: from the extension, else CSV.")
@click.option("--encoding", type=click.Choice(["utf-8", "gb18030"]), default="utf-8", show_default=True)
def export_command(path, fmt, encoding):
    """Write every enterprise in the import format (to PATH or standard output)."""
    fmt = fmt or ("jsonl" if path.endswith((".jsonl", ".ndjson")) else "csv")
    rows = (fileio.enterprise_row(e) for e in fileio.iter_enterprises())
    if path == "-":
        count = fileio.write_rows(sys.stdout, rows, fmt)
    else:
        with open(path, "w", encoding=encoding, newline="") as handle:
            count = fileio.write_rows(handle, rows, fmt)
        click.echo(f"{count} enterprises written to {path}", err=True)


@cli.command("add-staff")
@click.option("--phone", required=True, help="Phone of an existing enterprise-staff account.")
@click.option("--code", required=True, help="Unified social credit code of the enterprise.")
def add_staff_command(phone, code):
    """Make an enterprise-staff account belong to an enterprise."""
    account = accounts.find_by_phone(phone.strip())
    if account is None:
        raise click.ClickException("no account with this phone")
    try:
        enterprise = services.get_by_code(code)
        services.add_staff(account, enterprise, actor_id=None)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    commit()
    click.echo(f"account {account.id} now belongs to {enterprise.name} ({enterprise.credit_code})")


@click.command("enterprises")
@with_appcontext
@click.option("--count", default=200, show_default=True, type=click.IntRange(1, 100_000_000))
@click.option("--start", default=0, show_default=True, type=click.IntRange(0, 10**12),
              help="First sequence number (to extend an existing data set).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write an import file (.csv or .jsonl) instead of loading the database.")
def demo_enterprises(count, start, output):
    """Synthetic enterprises (valid codes, real region codes) for demos and benchmarks."""
    rows = demo.generate(count, start=start)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            written = fileio.write_rows(handle, rows, "jsonl" if output.endswith(".jsonl") else "csv")
        click.echo(f"{written} synthetic enterprises written to {output}")
        return
    added = updated = 0
    batch: list[dict] = []
    with click.progressbar(rows, length=count, label="generating", file=sys.stderr) as bar:
        for raw in bar:
            batch.append(validation.clean_enterprise(raw, default_source=demo.DEMO_SOURCE))
            if len(batch) >= 2000:
                a, u = loader.upsert_batch(batch, demo.DEMO_SOURCE)
                commit()
                added, updated, batch = added + a, updated + u, []
        a, u = loader.upsert_batch(batch, demo.DEMO_SOURCE)
        commit()
    click.echo(f"synthetic enterprises ready: {added + a} added, {updated + u} updated")
