"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis), over HTTP, as an
anonymous visitor and as each role with a session and CSRF token: no answer may be a 5xx, and every
answer must have a status the document lists for it and match the schema the document gives it.
Seeded and bounded, so CI is deterministic."""
from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from registry.core.extensions import db
from registry.enterprises.models import Enterprise
from tests.e2e.browser_support import LiveServer
from tests.factories.accounts import last_code, make_account
from tests.factories.app import make_app
from tests.factories.enterprises import make_enterprise
from tests.factories.workers import make_worker

pytestmark = [pytest.mark.own_app, pytest.mark.slow]
EXAMPLES = 15
ROLES = ("anonymous", "worker", "consumer", "enterprise_staff", "admin")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The app on a real 127.0.0.1 port; one logged-in HTTP session (cookies, CSRF token) per role, and a way
    to log in a new account of a role (for the operations that end the session they are sent with)."""
    folder = tmp_path_factory.mktemp("fuzz")
    app = make_app(f"sqlite:///{folder}/fuzz.sqlite", str(folder), PROPAGATE_UNEXPECTED=False,
                   SMS_DAILY_LIMIT_PER_PHONE=10**6, SMS_HOURLY_LIMIT_PER_IP=10**6, VERIFY_RATE_LIMIT="10000/minute",
                   SMS_RESEND_SECONDS=0)
    with app.app_context():
        enterprise = make_enterprise()
        db.session.commit()
        enterprise_id = enterprise.id
    with LiveServer(app) as server:

        def log_in(role: str, account=None) -> requests.Session:
            http = requests.Session()
            http.headers["X-CSRFToken"] = http.get(f"{server.url}/api/v1/session/csrf", timeout=10).json()["csrf_token"]
            if role == "anonymous":
                return http
            with app.app_context():
                if account is None:
                    account = (make_worker(enterprises=[db.session.get(Enterprise, enterprise_id)]) if role == "worker"
                               else make_account(role=role))
                phone = account.phone
                db.session.commit()
            # The real SMS-code login; no transaction of this test stays open while the app writes.
            sent = http.post(f"{server.url}/api/v1/sms/codes", json={"phone": phone, "purpose": "login"})
            assert sent.status_code == 202, sent.text
            with app.app_context():
                code = last_code(phone)
                db.session.commit()
            logged = http.post(f"{server.url}/api/v1/session", json={"phone": phone, "code": code})
            assert logged.status_code == 200, logged.text
            http.headers["X-CSRFToken"] = http.get(f"{server.url}/api/v1/session/csrf").json()["csrf_token"]
            return http

        sessions = {role: log_in(role) for role in ROLES}
        yield server, sessions, log_in
    with app.app_context():
        db.engine.dispose()


def fuzz_operation(operation, base_url: str, callers, sent: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        for role in ROLES:  # each generated request is sent as every kind of caller
            sent[0] += 1
            case.call_and_validate(base_url=base_url, session=callers(role),
                                   checks=[not_a_server_error, response_schema_conformance, status_code_conformance])

    run()


# Logging out and deleting the account end the session they are sent with: each of their requests
# goes out with a session of its own, so the rest of the run keeps its callers.
SESSION_ENDING = {"DELETE /api/v1/session", "POST /api/v1/me/deletion"}


def test_no_operation_answers_5xx_or_breaks_its_schema(live):
    server, sessions, log_in = live
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40 and SESSION_ENDING <= {operation.label for operation in operations}
    # The logged-in sessions must really be logged in, or the run would only ever see 401s.
    assert sessions["worker"].get(f"{server.url}/api/v1/me").status_code == 200
    failures: dict[str, str] = {}
    sent = [0]
    for operation in operations:
        callers = (lambda role: log_in(role)) if operation.label in SESSION_ENDING else sessions.__getitem__
        try:
            fuzz_operation(operation, server.url, callers, sent)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every failure is collected
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            failures[operation.label] = " | ".join(lines[:12])[:900]
    print(f"schemathesis: {len(operations)} operations x {len(ROLES)} callers, up to {EXAMPLES} "
          f"examples each: {sent[0]} requests, {len(failures)} operations failing")
    assert sessions["worker"].get(f"{server.url}/api/v1/me").status_code == 200
    assert not failures, "\n".join(f"{label}: {reason}" for label, reason in sorted(failures.items()))
