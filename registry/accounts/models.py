"""Accounts, SMS codes and the SMS outbox."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.crypto import EncryptedText
from registry.core.database import Base, TimestampMixin, utcnow


class Role(str, enum.Enum):
    """What an account is for."""

    WORKER = "worker"
    CONSUMER = "consumer"
    ENTERPRISE_STAFF = "enterprise_staff"
    ADMIN = "admin"


class Account(UserMixin, TimestampMixin, Base):
    """A person's login. ID number and phone are encrypted, found by keyed hash."""

    __tablename__ = "account"
    __table_args__ = (
        sa.UniqueConstraint("id_number_hash", "role", name="uq_account_id_number_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    id_number_hash: Mapped[str | None] = mapped_column(sa.String(64))
    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_login_at: Mapped[dt.datetime | None]

    # The login session this request runs under (set at login and by the session loader; not a column).
    login_token = None

    def get_id(self) -> str:
        """Session identity for Flask-Login: the login session's secret, looked up server-side each request.

        Ending that row (logout) ends the session cookie and the remember-me
        cookie at once, wherever they are replayed.
        """
        if not self.login_token:
            raise RuntimeError("no login session: call accounts.services.start_session before login_user")
        return f"s:{self.login_token}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


class CodePurpose(str, enum.Enum):
    """What an SMS code may be used for; a code only works for its purpose."""

    REGISTER = "register"
    LOGIN = "login"
    CHANGE_PHONE_OLD = "change_phone_old"
    CHANGE_PHONE_NEW = "change_phone_new"
    DELETE_ACCOUNT = "delete_account"


class SmsCode(Base):
    """A one-time code sent to a phone; only its keyed hash is kept."""

    __tablename__ = "sms_code"
    __table_args__ = (sa.Index("ix_sms_code_phone_created", "phone_hash", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str] = mapped_column(sa.String(32))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[dt.datetime | None]
    client_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)


class SmsMessage(Base):
    """Every message sent, kept in the outbox (development) and as a delivery record."""

    __tablename__ = "sms_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    body: Mapped[str] = mapped_column(EncryptedText)
    backend: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default="sent")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """One login (a browser or app): its secret is in the cookie, only its keyed hash here."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
