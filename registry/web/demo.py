"""`flask demo seed`: clearly synthetic demo content for development.

Each domain adds its own content through `signals.demo_seeding`; this
command only announces it and commits once.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from registry.core import signals
from registry.core.effects import commit

cli = AppGroup("demo", help="Synthetic demo content (development only).")


@cli.command("seed")
def seed():
    """Add every domain's demo content (the demo operator logs in with 13800000000); safe to run twice."""
    for _receiver, line in signals.demo_seeding.send(current_app._get_current_object()):
        if line:
            click.echo(line)
    commit()
    click.echo("demo content ready")
