"""Side effects that must wait for the commit: handing job ids to the queue.

`registry.jobs` writes each job (an SMS, an import) in the transaction that
asks for it and queues the hand-over with `after_commit`; the request
(`registry.web.transaction`) or the batch command (`commit`) runs the queue
only once the change is durable, and a rollback throws it away. So nobody
is told about a change that never happened, and a slow queue or SMS
gateway never holds a database transaction open.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from registry.core.extensions import db

log = logging.getLogger(__name__)

_QUEUE_KEY = "registry.after_commit"


def after_commit(effect: Callable[[], None]) -> None:
    """Run `effect` after the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(_QUEUE_KEY, []).append(effect)


def discard() -> None:
    """Forget the queued effects (the transaction rolled back)."""
    db.session.info.pop(_QUEUE_KEY, None)


def run_pending() -> int:
    """Run the queued effects once; what they write (an outbox row) is committed too.

    A failing effect is logged by type only (its message could hold a phone
    number) and does not stop the others: the change they report is already
    committed. Returns how many ran.
    """
    ran = 0
    while queue := db.session.info.pop(_QUEUE_KEY, None):
        for effect in queue:
            try:
                effect()
                ran += 1
            except Exception as exc:  # noqa: BLE001 - one failed notice must not lose the others
                log.warning("side effect %s failed after commit: %s", getattr(effect, "__name__", "effect"),
                            type(exc).__name__)
        db.session.commit()
    return ran


def commit() -> None:
    """Commit the session, then run what waited for it (for CLI jobs, one call per batch)."""
    db.session.commit()
    run_pending()
