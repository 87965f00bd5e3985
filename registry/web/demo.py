"""`flask demo seed`: clearly synthetic demo content for development.

Each domain adds its own content through `signals.demo_seeding`; this
command only announces it and commits once. The fixed demo accounts (one per
role and interesting stage) are listed through `signals.demo_accounts` on the
development home page and in README.md.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import AppGroup

from registry.core import signals
from registry.core.effects import commit

cli = AppGroup("demo", help="Synthetic demo content (development only).")


@dataclass(frozen=True)
class DemoAccount:
    """One demo account a domain seeds; role and stage are callables so they follow the reader's language."""

    phone: str
    role: Callable[[], str]
    stage: Callable[[], str]


def demo_accounts() -> list[DemoAccount]:
    """Every domain's demo accounts, by phone number."""
    found: list[DemoAccount] = []
    for _receiver, returned in signals.demo_accounts.send(current_app._get_current_object()):
        found.extend(returned or ())
    return sorted(found, key=lambda account: account.phone)


@cli.command("seed")
def seed():
    """Add every domain's demo content and demo accounts (13800000000-13800000005, see README.md); safe to run twice."""
    for _receiver, line in signals.demo_seeding.send(current_app._get_current_object()):
        if line:
            click.echo(line)
    commit()
    click.echo("demo content ready; demo accounts log in with an SMS code from /dev/outbox:")
    for account in demo_accounts():
        click.echo(f"  {account.phone}  {account.role()}: {account.stage()}")
