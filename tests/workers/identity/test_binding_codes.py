"""Binding codes: the short code on the identity page that a reader station pairs with."""
from __future__ import annotations

import datetime as dt

import pytest

from registry.core.errors import Conflict, NotFound
from workers.identity import chip as identity_chip


def test_binding_code_is_stable_renewable_and_single_use(worker, move_clock):
    first = identity_chip.issue_binding_code(worker)
    assert len(first.code) == 8 and set(first.code) <= set(identity_chip.CODE_ALPHABET)
    assert identity_chip.issue_binding_code(worker).code == first.code
    renewed = identity_chip.issue_binding_code(worker, renew=True)
    assert renewed.code != first.code
    with pytest.raises(Conflict) as refusal:
        identity_chip.redeem_binding_code(first.code)
    assert refusal.value.code == "binding_code_expired"
    spaced = renewed.code[:4].lower() + "-" + renewed.code[4:]
    assert identity_chip.redeem_binding_code(spaced).account_id == worker.account_id
    with pytest.raises(Conflict) as refusal:
        identity_chip.redeem_binding_code(renewed.code)
    assert refusal.value.code == "binding_code_used"
    late = identity_chip.issue_binding_code(worker)
    move_clock(dt.timedelta(minutes=11))
    with pytest.raises(Conflict):
        identity_chip.redeem_binding_code(late.code)
    for bad in ("", "ABC", "0000OOOO", "ZZZZZZZZ"):
        with pytest.raises(NotFound):
            identity_chip.redeem_binding_code(bad)
