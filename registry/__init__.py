"""The household-services credit registry (家政服务信用信息平台).

`registry.app.create_app` builds the app. It is re-exported lazily so that
`FLASK_APP=registry` works without importing every domain whenever a
lower layer such as `registry.core` is imported.
"""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("create_app", "MIGRATIONS_DIR"):
        # Lazy on purpose: importing registry.app at module level would load
        # every domain (and make them import each other) for any submodule.
        from registry import app  # noqa: PLC0415

        return getattr(app, name)
    raise AttributeError(f"module 'registry' has no attribute {name!r}")
