"""`flask face ...`: measuring photos when choosing thresholds, warming the engine."""
from __future__ import annotations

import itertools
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from registry.face import engine, pool
from registry.face.providers import EmbeddedProvider
from registry.face.settings import DEFAULTS, setting, thresholds

cli = AppGroup("face", help="Face verification tools.")


@cli.command("thresholds")
def show_thresholds():
    """Print the thresholds in force (config overrides marked with *)."""
    for name in sorted(DEFAULTS):
        mark = "*" if name in current_app.config and current_app.config[name] != DEFAULTS[name] else " "
        click.echo(f"{mark} {name} = {setting(name)!r}")
    click.echo(f"recorded with each check: {thresholds()}")


@cli.command("compare")
@click.argument("photos", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def compare(photos: tuple[Path, ...]):
    """Print the descriptor distance of every pair of PHOTOS (to choose FACE_MATCH_THRESHOLD)."""
    provider = EmbeddedProvider()
    descriptors = {}
    with click.progressbar(photos, label="Analysing") as bar:
        for path in bar:
            enrollment = provider.enroll(path.read_bytes())
            if enrollment.template is None:
                click.echo(f"\n{path.name}: refused ({enrollment.reason})")
                continue
            descriptors[path.name] = engine.unpack_descriptor(enrollment.template)
    threshold = float(setting("FACE_MATCH_THRESHOLD"))
    for a, b in itertools.combinations(descriptors, 2):
        distance = engine.distance(descriptors[a], descriptors[b])
        verdict = "same" if distance <= threshold else "different"
        click.echo(f"{distance:6.3f}  {verdict:<9}  {a}  {b}")


@cli.command("warm")
def warm():
    """Load the models (and start the descriptor helper) before the first check."""
    started = time.perf_counter()
    engine.MODELS.get()
    pool.warm_up(int(setting("FACE_HELPER_PROCESSES")))
    click.echo(f"face engine ready in {time.perf_counter() - started:.2f} s: {engine.engine_version()}")
