"""HTTP helpers: CSRF-aware calls and the real SMS-code login."""
from __future__ import annotations

from tests.factories.accounts import last_code, wait_for_resend


def csrf_token(client) -> str:
    """A CSRF token valid for the client's session."""
    return client.get("/api/v1/session/csrf").get_json()["csrf_token"]


def api_post(client, url: str, json: dict | None = None, method: str = "post"):
    """A JSON call with the session's CSRF token."""
    return getattr(client, method)(url, json=json, headers={"X-CSRFToken": csrf_token(client)})


def form_post(client, url: str, data: dict, **kwargs):
    """A form post with the session's CSRF token."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


def log_in(client, account) -> None:
    """Log a client in as account through the real SMS-code login.

    The clock moves a minute on, so the test may ask for the next code at once.
    """
    wait_for_resend()
    response = api_post(client, "/api/v1/sms/codes", {"phone": account.phone, "purpose": "login"})
    assert response.status_code == 202, response.get_json()
    response = api_post(client, "/api/v1/session", {"phone": account.phone, "code": last_code(account.phone)})
    assert response.status_code == 200, response.get_json()
    wait_for_resend()
