"""The hash-chained audit log of security events (`flask audit verify`)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to register: other domains call audit.services; the CLI group is registry.audit.cli."""
