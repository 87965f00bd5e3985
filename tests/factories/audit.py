"""Reading the audit trail back."""
from __future__ import annotations

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.core.extensions import db


def audit_kinds(subject_id: int) -> list[str]:
    """The kinds of the audit events about subject_id, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent.kind).where(AuditEvent.subject_id == subject_id)
                                   .order_by(AuditEvent.id)))
