"""flask admin ... : operator accounts."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.accounts import services
from registry.accounts.models import Role
from registry.core.effects import commit
from registry.core.errors import DomainError
from registry.core.idnumbers import InvalidPhone, mask_phone, normalize_phone

cli = AppGroup("admin", help="Platform operator accounts.")


@cli.command("create")
@click.option("--name", prompt="Name", help="The operator's name.")
@click.option("--phone", prompt="Mobile number", help="Mainland mobile number used to log in by SMS code.")
@click.option("--role", type=click.Choice([Role.ADMIN.value, Role.ENTERPRISE_STAFF.value]),
              default=Role.ADMIN.value, show_default=True)
def create_admin(name: str, phone: str, role: str):
    """Create a platform admin (or enterprise staff) account."""
    try:
        phone = normalize_phone(phone)
        account = services.create_privileged(Role(role), name.strip(), phone)
    except (InvalidPhone, DomainError) as exc:
        raise click.ClickException(str(exc)) from None
    commit()
    click.echo(f"created {role} account {account.id} for {mask_phone(phone)}")
