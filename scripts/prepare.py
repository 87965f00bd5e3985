"""What scripts/run does between installing and serving, in one process: `flask db upgrade`,
`flask keys init` (first signing keys), `flask demo seed` (demo content and accounts) and
`flask demo enterprises --count 300`.

The very commands, run through the app's own command line; loading the app once instead of once per
command saves several seconds at every start. Each is idempotent, so every start runs them all.
"""
from __future__ import annotations

import sys

import click
from flask.cli import ScriptInfo

from registry.app import create_app

STEPS = (("db", "upgrade"), ("keys", "init"), ("demo", "seed"), ("demo", "enterprises", "--count", "300"))


def main() -> int:
    app = create_app()
    info = ScriptInfo(create_app=lambda: app)
    for step in STEPS:
        try:
            app.cli.main(list(step), prog_name="flask", obj=info, standalone_mode=False)
        except click.ClickException as refused:
            refused.show()
            print(f"scripts/prepare.py: `flask {' '.join(step)}` failed", file=sys.stderr)
            return refused.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
