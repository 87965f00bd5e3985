"""SMS verification codes: issuing with rate limits, checking with try limits."""
from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from registry.accounts import sms
from registry.accounts.models import CodePurpose, SmsCode
from registry.audit import services as audit
from registry.core import clock
from registry.core.crypto import lookup_hash
from registry.core.errors import DomainError, RateLimited, RecordedRefusal
from registry.core.extensions import db
from registry.jobs import services as jobs


class CodeRejected(RecordedRefusal):
    """A wrong, expired, used or exhausted code; the try is counted."""

    code = "code_rejected"


def _code_hash(code_id: int, code: str) -> str:
    # Bound to the row id so equal codes never share a hash.
    return lookup_hash(f"{code_id}:{code}", "sms-code")


def _china_midnight_utc(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(clock.CHINA_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def _retry_in(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def check_send_limits(phone_hash: str, client_hash: str | None, now: dt.datetime) -> None:
    """Refuse with the wait time when a phone or client asked too often."""
    config = current_app.config
    resend = dt.timedelta(seconds=config["SMS_RESEND_SECONDS"])
    latest = db.session.scalar(
        sa.select(sa.func.max(SmsCode.created_at)).where(SmsCode.phone_hash == phone_hash)
    )
    if latest is not None:
        latest = latest.replace(tzinfo=dt.UTC) if latest.tzinfo is None else latest
        if now - latest < resend:
            wait = _retry_in((latest + resend - now).total_seconds())
            raise RateLimited(_("A code was just sent; you can ask again in %(seconds)s seconds.", seconds=wait),
                              retry_after=wait)
    day_start = _china_midnight_utc(now)
    sent_today = db.session.scalar(
        sa.select(sa.func.count()).select_from(SmsCode)
        .where(SmsCode.phone_hash == phone_hash, SmsCode.created_at >= day_start)
    )
    if sent_today >= config["SMS_DAILY_LIMIT_PER_PHONE"]:
        wait = _retry_in((day_start + dt.timedelta(days=1) - now).total_seconds())
        raise RateLimited(_("This phone has received too many codes today; try again tomorrow."),
                          retry_after=wait)
    if client_hash:
        hour_ago = now - dt.timedelta(hours=1)
        recent = db.session.execute(
            sa.select(SmsCode.created_at).where(SmsCode.client_hash == client_hash,
                                                SmsCode.created_at > hour_ago)
            .order_by(SmsCode.created_at)
        ).scalars().all()
        if len(recent) >= config["SMS_HOURLY_LIMIT_PER_IP"]:
            oldest = recent[-config["SMS_HOURLY_LIMIT_PER_IP"]]
            wait = _retry_in((oldest + dt.timedelta(hours=1) - now).total_seconds())
            raise RateLimited(_("Too many codes were requested from your network; try again in %(minutes)s minutes.",
                                minutes=math.ceil(wait / 60)), retry_after=wait)


def send_code(phone: str, purpose: CodePurpose, client_ip: str | None = None, *, deliver: bool = True) -> SmsCode:
    """Issue a fresh 6-digit code for phone and purpose and send it by SMS.

    `deliver=False` issues the code under the same limits but sends nothing
    (a login code for a phone no account uses): the answer looks the same,
    so nobody learns which phones are registered.
    """
    now = clock.now()
    phone_hash = lookup_hash(phone, "phone")
    client_hash = lookup_hash(client_ip, "client-ip") if client_ip else None
    check_send_limits(phone_hash, client_hash, now)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = current_app.config["SMS_CODE_TTL_SECONDS"]
    row = SmsCode(phone_hash=phone_hash, purpose=purpose.value, code_hash="", created_at=now,
                  expires_at=now + dt.timedelta(seconds=ttl), client_hash=client_hash)
    db.session.add(row)
    db.session.flush()
    row.code_hash = _code_hash(row.id, code)
    minutes = ttl // 60
    body = (f"{current_app.config['SMS_SIGNATURE']}您的验证码是{code}，{minutes}分钟内有效。"
            f"请勿告诉他人。Your code is {code}.")
    # Sent by the job worker once this commits (a slow gateway never holds the request).
    if deliver:
        jobs.submit(sms.CODE_JOB, {"phone": phone, "body": body})
    return row


def verify_code(phone: str, purpose: CodePurpose, code: str) -> None:
    """Consume the newest unexpired code for phone and purpose, or refuse.

    Wrong tries are counted (and committed even though the request fails);
    after the limit the code is dead and a new one must be requested.
    """
    now = clock.now()
    code = (code or "").strip()
    phone_hash = lookup_hash(phone, "phone")
    row = db.session.scalars(
        sa.select(SmsCode).where(SmsCode.phone_hash == phone_hash, SmsCode.purpose == purpose.value)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc()).limit(1)
    ).first()
    if row is None:
        raise DomainError(_("Request a verification code first."), code="code_missing",
                          fields={"code": [_("Request a verification code first.")]})
    if row.consumed_at is not None:
        raise DomainError(_("This code has already been used; request a new one."), code="code_used",
                          fields={"code": [_("This code has already been used; request a new one.")]})
    if row.expires_at <= now:
        raise DomainError(_("This code has expired; request a new one."), code="code_expired",
                          fields={"code": [_("This code has expired; request a new one.")]})
    max_attempts = current_app.config["SMS_CODE_MAX_ATTEMPTS"]
    if row.attempts >= max_attempts:
        # Locked: answered like every other limit (429), with when a new code may be asked for.
        wait = _retry_in(max(0.0, (row.created_at + dt.timedelta(seconds=current_app.config["SMS_RESEND_SECONDS"])
                                   - now).total_seconds()))
        raise RateLimited(_("Too many wrong tries; request a new code."), code="code_exhausted", retry_after=wait,
                          fields={"code": [_("Too many wrong tries; request a new code.")]})
    if not (len(code) == 6 and code.isdigit()
            and hmac.compare_digest(_code_hash(row.id, code), row.code_hash)):
        row.attempts += 1
        audit.record("sms_code.failed", purpose=purpose.value, attempts=row.attempts)
        left = max_attempts - row.attempts
        message = (_("Wrong code; %(left)s tries left.", left=left) if left
                   else _("Too many wrong tries; request a new code."))
        raise CodeRejected(message, fields={"code": [message]})
    row.consumed_at = now
