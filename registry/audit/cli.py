"""flask audit ..."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.audit import services

cli = AppGroup("audit", help="Audit log tools.")


@cli.command("verify")
def verify_command():
    """Check the hash chain; exit 1 and name the first broken link if any."""
    report = services.verify_chain()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events ({report.erased} erased by account deletion)")
        return
    click.echo(f"audit chain BROKEN at event {report.broken_at}: {report.reason} "
               f"({report.checked} events verified before it)", err=True)
    raise SystemExit(1)
