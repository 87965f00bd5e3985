"""Declared signals: receivers run in the order their domains connected them."""
from __future__ import annotations

from registry.core import signals


def test_receivers_run_in_connection_order():
    signal = signals.OrderedSignal("test-order", doc="for this test")
    calls: list[int] = []
    receivers = [lambda _sender, i=i: calls.append(i) for i in range(60)]
    for receiver in receivers:
        signal.connect(receiver)
    signal.send(object())
    assert calls == list(range(60))


def test_account_deletion_receivers_run_lowest_layer_first(app):
    modules = [receiver.__module__ for receiver in signals.account_deleting.receivers_for(object())]
    assert modules[:3] == ["registry.jobs.services", "registry.face.services", "registry.feeds.services"]
    assert modules.index("consent.services") < modules.index("workers.certificates.services")
    assert modules[-1] == "consumers.services"
