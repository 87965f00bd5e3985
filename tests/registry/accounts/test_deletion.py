"""注销: deleting an account removes every row of that person."""
from __future__ import annotations

import sqlalchemy as sa

from registry.accounts import services
from registry.accounts.models import Account, SmsCode, SmsMessage
from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.core import effects, signals
from tests.factories.accounts import last_code, make_account
from tests.factories.http import api_post, form_post, log_in


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_delete_account_through_the_page_removes_everything(client, db_session):
    account = make_account(role="worker")
    account_id, phone, phone_hash = account.id, account.phone, account.phone_hash
    log_in(client, account)
    assert form_post(client, "/me/delete", {"action": "send"}).status_code == 200
    response = form_post(client, "/me/delete", {"action": "delete", "code": last_code(account.phone)})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Account, account_id) is None
    assert count(db_session, SmsCode, SmsCode.phone_hash == phone_hash) == 0
    assert count(db_session, SmsMessage, SmsMessage.phone_hash == phone_hash) == 0
    # The audit log keeps only a non-identifying note, and stays verifiable.
    assert count(db_session, AuditEvent, AuditEvent.subject_id == account_id) == 0
    assert count(db_session, AuditEvent, AuditEvent.actor_id == account_id) == 0
    deleted = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == "account.deleted")).one()
    assert str(account_id) not in deleted.payload.replace(deleted.payload.split('"salt": "')[1][:32], "")
    assert verify_chain().ok
    # Logged out, and the phone no longer logs in.
    assert client.get("/api/v1/me").status_code == 401
    asked = api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "login"})
    assert asked.status_code == 202  # answered as for any phone, but nothing is sent to it
    effects.commit()
    assert count(db_session, SmsMessage, SmsMessage.phone_hash == phone_hash) == 0


def test_delete_with_wrong_code_changes_nothing_but_counts_the_try(client, db_session):
    account = make_account()
    account_id = account.id
    log_in(client, account)
    api_post(client, "/api/v1/me/deletion-code")
    right = last_code(account.phone)
    response = api_post(client, "/api/v1/me/deletion", {"code": "000000" if right != "000000" else "111111"})
    assert response.status_code == 400
    db_session.expire_all()
    assert db_session.get(Account, account_id) is not None
    assert db_session.scalar(sa.select(SmsCode.attempts).where(SmsCode.purpose == "delete_account")) == 1
    assert api_post(client, "/api/v1/me/deletion", {"code": right}).status_code == 204
    db_session.expire_all()
    assert db_session.get(Account, account_id) is None


def test_deletion_receivers_run_in_the_same_transaction(db_session):
    seen = []

    def receiver(account):
        # The account row is still there for the receivers to delete their own rows.
        seen.append((account.id, db_session.get(Account, account.id) is not None))

    signals.account_deleting.connect(receiver)
    try:
        account = make_account()
        services.erase_account(account)
        assert seen == [(account.id, True)]
    finally:
        signals.account_deleting.disconnect(receiver)
