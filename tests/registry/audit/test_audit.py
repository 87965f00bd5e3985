"""The audit chain: appends, verification, tamper detection and erasure."""
from __future__ import annotations

import sqlalchemy as sa

from registry.audit import services as audit
from registry.audit.models import AuditEvent


def test_chain_verifies_and_detects_edits(db_session):
    for n in range(5):
        audit.record("test.event", subject_id=n, n=n)
    assert audit.verify_chain().ok
    db_session.execute(sa.update(AuditEvent).where(AuditEvent.id == 3).values(payload='{"n": 99}'))
    report = audit.verify_chain()
    assert report.broken_at == 3 and "payload" in report.reason


def test_changed_kind_or_time_is_detected(db_session):
    for n in range(3):
        audit.record("test.event", n=n)
    db_session.execute(sa.update(AuditEvent).where(AuditEvent.id == 2).values(kind="other"))
    report = audit.verify_chain()
    assert report.broken_at == 2 and "fields" in report.reason


def test_changed_subject_is_detected(db_session):
    audit.record("test.event", subject_id=1)
    audit.record("test.event", subject_id=2)
    db_session.execute(sa.update(AuditEvent).where(AuditEvent.id == 2).values(subject_id=1))
    assert audit.verify_chain().broken_at == 2


def test_removed_row_is_detected(db_session):
    for n in range(4):
        audit.record("test.event", n=n)
    db_session.execute(sa.delete(AuditEvent).where(AuditEvent.id == 2))
    report = audit.verify_chain()
    assert report.broken_at == 2 and "missing" in report.reason


def test_erasure_keeps_chain_valid_and_removes_identity(db_session):
    audit.record("account.login", subject_id=41)
    audit.record("account.login", subject_id=42)
    assert audit.erase_subject(41) == 1
    report = audit.verify_chain()
    assert report.ok and report.erased == 1
    erased = db_session.get(AuditEvent, 1)
    assert erased.payload is None and erased.subject_id is None


def test_cli_verify(runner, db_session):
    audit.record("test.event")
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    db_session.execute(sa.update(AuditEvent).values(payload_digest="0" * 64))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "BROKEN at event 1" in broken.output
