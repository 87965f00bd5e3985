"""Binding codes and the desk reader's `flask workers read-chip` command."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from registry.core.errors import Conflict, NotFound
from registry.core.extensions import db
from tests.factories import photos
from workers.identity import chip as identity_chip
from workers.identity import services as identity

# --- binding codes and the desk-reader command --------------------------------

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


@pytest.mark.slow  # runs dlib face recognition
def test_read_chip_command_simulated(runner, worker_account, worker, tmp_path):
    db.session.commit()  # the command rolls back its own refusals; keep the fixtures
    photo = tmp_path / "face.jpg"
    photo.write_bytes(photos.photo_bytes()["obama.jpg"])
    code = identity_chip.issue_binding_code(worker).code
    result = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated", "--face-photo", str(photo)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["accepted"] is True and output["simulated"] is True and "identity_match" in output["checks_passed"]
    assert worker_account.name not in result.output and worker_account.id_number not in result.output
    assert identity.pending_chip_record(worker) is not None
    again = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated"])
    assert again.exit_code == 1 and "已使用" in again.output


def test_read_chip_command_refusals(runner, app, worker, monkeypatch):
    db.session.commit()  # the command rolls back its own refusals; keep the fixtures
    unknown = runner.invoke(args=["workers", "read-chip", "--code", "ABCDEFGH", "--simulated"])
    assert unknown.exit_code == 1 and "无效" in unknown.output
    real = runner.invoke(args=["workers", "read-chip", "--code", "ABCDEFGH"])
    assert real.exit_code == 2 and "--document-number" in real.output
    monkeypatch.setitem(app.config, "ENV", "production")
    code = identity_chip.issue_binding_code(worker).code
    refused = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated"])
    assert refused.exit_code == 2 and "production" in refused.output
    assert identity_chip.active_binding(worker).code == code  # nothing was spent


@pytest.mark.slow  # runs dlib face recognition
def test_read_chip_command_without_a_usable_photo_reports_why(runner, worker):
    code = identity_chip.issue_binding_code(worker).code
    # The software card's default photo is a drawing: no face to enroll.
    result = runner.invoke(args=["workers", "read-chip", "--code", code, "--simulated"])
    assert result.exit_code == 2
    output = json.loads(result.output)
    assert output["accepted"] is False and output["code"] == "face_reference_refused"
    assert identity.latest_record(worker).failure == "face_reference_refused"
