"""Development-only pages (never registered in production)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from registry.accounts.models import SmsMessage
from registry.core.crypto import lookup_hash
from registry.core.extensions import db
from registry.core.idnumbers import mask_phone

bp = Blueprint("devtools", __name__)


@bp.get("/dev/outbox")
def outbox():
    """The SMS outbox: every message the outbox backend 'sent', newest first."""
    messages = db.session.scalars(sa.select(SmsMessage).order_by(SmsMessage.id.desc()).limit(100)).all()
    return render_template("dev/outbox.html", messages=messages, mask_phone=mask_phone)


@bp.get("/api/v1/dev/outbox")
def outbox_api():
    """The outbox as JSON, optionally for one phone (?phone=), for development and tests."""
    query = sa.select(SmsMessage).order_by(SmsMessage.id.desc()).limit(100)
    phone = request.args.get("phone")
    if phone:
        query = query.where(SmsMessage.phone_hash == lookup_hash(phone, "phone"))
    messages = db.session.scalars(query).all()
    return {"items": [{"id": m.id, "phone": mask_phone(m.phone), "body": m.body,
                       "created_at": m.created_at.isoformat()} for m in messages]}
