"""`flask workers stations ...`: register, list and revoke reader stations from the server's console.

Documents are never read here: a station reads them and talks to the
platform over the API (`registry-station`, the readerstation package).
"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.core.effects import commit
from registry.core.errors import DomainError
from workers.identity import stations as station_services

stations_cli = AppGroup("stations", help="Reader stations: register (prints a one-time enrolment code), list, revoke.")


@stations_cli.command("add")
@click.argument("name")
@click.option("--place", default="", help="Where the station stands (office, service window).")
def add_command(name: str, place: str) -> None:
    """Register a station called NAME; prints the one-time enrolment code for `registry-station enroll`."""
    try:
        station, code = station_services.register_station(name, place, None)
    except DomainError as refusal:
        raise click.ClickException(refusal.message) from None
    commit()
    click.echo(f"station {station.id} registered; enrolment code (valid 24 hours, once): {code}")
    click.echo(f"on the station: registry-station enroll --server https://<this platform> {code}")


@stations_cli.command("list")
def list_command() -> None:
    """Every station with its state and number of reads."""
    reads = station_services.reads_by_station()
    for station in station_services.list_stations():
        state = "revoked" if station.revoked_at else "enrolled" if station.enrolled_at else "waiting for enrolment"
        click.echo(f"{station.id}\t{station.name}\t{station.place}\t{state}\t{reads.get(station.id, 0)} read(s)")


@stations_cli.command("revoke")
@click.argument("station_id", type=int)
def revoke_command(station_id: int) -> None:
    """Revoke station STATION_ID: its next request is refused."""
    try:
        station = station_services.revoke_station(station_id, None)
    except DomainError as refusal:
        raise click.ClickException(refusal.message) from None
    commit()
    click.echo(f"station {station.id} revoked")
