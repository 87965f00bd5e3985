"""SMS delivery backends: the outbox (embedded default) and an HTTP gateway."""
from __future__ import annotations

import json
import logging
from typing import Protocol

import requests
from flask import Flask, current_app

from registry.accounts.models import SmsMessage
from registry.core.config import ConfigurationError
from registry.core.crypto import lookup_hash
from registry.core.extensions import db
from registry.core.idnumbers import mask_phone
from registry.jobs import services as jobs

log = logging.getLogger(__name__)


class SmsDeliveryError(RuntimeError):
    """The message could not be handed to the provider."""


class SmsBackend(Protocol):
    """Delivers one text message to one mainland phone number."""

    name: str

    def send(self, phone: str, body: str, reference: str = "") -> None: ...


class OutboxBackend:
    """Stores every message in the sms_message table and logs it (phone masked)."""

    name = "outbox"

    def send(self, phone: str, body: str, reference: str = "") -> None:
        db.session.add(SmsMessage(phone=phone, phone_hash=lookup_hash(phone, "phone"),
                                  body=body, backend=self.name))
        db.session.flush()
        log.info("sms outbox message to %s", mask_phone(phone))  # never the text: it may hold a code


class HttpGatewayBackend:
    """Posts to a provider's HTTP API described by URL, headers and a body template.

    The template is JSON text with {phone}, {message} and {reference} (the
    job's id, for a provider that drops repeated submissions) placeholders;
    values are JSON-escaped before substitution so a message cannot break
    the body.
    """

    name = "http"

    def __init__(self, url: str, headers: dict[str, str], body_template: str, timeout: float = 5.0):
        self.url = url
        self.headers = dict(headers)
        self.body_template = body_template
        self.timeout = timeout

    def render_body(self, phone: str, body: str, reference: str = "") -> str:
        """The request body for one message."""
        def escape(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)[1:-1]

        return (self.body_template.replace("{phone}", escape(phone))
                .replace("{message}", escape(body)).replace("{reference}", escape(reference)))

    def send(self, phone: str, body: str, reference: str = "") -> None:
        headers = {"Content-Type": "application/json; charset=utf-8", **self.headers}
        try:
            response = requests.post(self.url, data=self.render_body(phone, body, reference).encode("utf-8"),
                                     headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("sms gateway unreachable for %s: %s", mask_phone(phone), type(exc).__name__)
            raise SmsDeliveryError("the SMS gateway could not be reached") from None
        if response.status_code >= 300:
            log.warning("sms gateway refused message to %s: HTTP %s", mask_phone(phone), response.status_code)
            raise SmsDeliveryError(f"the SMS gateway answered HTTP {response.status_code}")
        log.info("sms gateway accepted message to %s", mask_phone(phone))


def init_sms(app: Flask) -> None:
    """Pick the configured backend."""
    kind = app.config["SMS_BACKEND"]
    if kind == "outbox":
        backend: SmsBackend = OutboxBackend()
    elif kind == "http":
        if not app.config.get("SMS_GATEWAY_URL"):
            raise ConfigurationError("SMS_BACKEND=http needs REGISTRY_SMS_GATEWAY_URL")
        backend = HttpGatewayBackend(app.config["SMS_GATEWAY_URL"], app.config["SMS_GATEWAY_HEADERS"],
                                     app.config["SMS_GATEWAY_BODY_TEMPLATE"], app.config["SMS_GATEWAY_TIMEOUT"])
    else:
        raise ConfigurationError(f"unknown SMS backend {kind!r} (use outbox or http)")
    app.extensions["registry.sms"] = backend


def send_sms(phone: str, body: str, reference: str = "") -> None:
    """Send one message through the app's backend now (the job handler calls this)."""
    current_app.extensions["registry.sms"].send(phone, body, reference)


def notify_by_sms(phone: str, body: str, account_id: int | None = None) -> None:
    """Send a message by the job queue once the current transaction commits.

    The job is written in this transaction, so a change that rolls back
    sends nothing and a committed one is never forgotten; a gateway failure
    is retried with growing pauses and ends in the dead letters an operator
    sees (registry.jobs). `account_id` names whose phone it is, so the
    message goes if their account does.
    """
    jobs.submit(MESSAGE_JOB, {"phone": phone, "body": body}, subject_account_id=account_id)


MESSAGE_JOB = "sms.message"
CODE_JOB = "sms.code"
