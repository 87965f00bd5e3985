"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis), in-process over WSGI,
as an anonymous visitor and as each role with a session and CSRF token: no answer may be a 5xx, and
every answer must match the schema the document gives it. Seeded and bounded, so CI is deterministic."""
from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from registry.core.extensions import db
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
    """The app on a real 127.0.0.1 port, and one logged-in HTTP session (cookies, CSRF token) per role."""
    folder = tmp_path_factory.mktemp("fuzz")
    app = make_app(f"sqlite:///{folder}/fuzz.sqlite", str(folder), PROPAGATE_UNEXPECTED=False,
                   SMS_DAILY_LIMIT_PER_PHONE=10**6, SMS_HOURLY_LIMIT_PER_IP=10**6, VERIFY_RATE_LIMIT="10000/minute")
    with app.app_context():
        enterprise = make_enterprise()
        accounts = {"worker": make_worker(enterprises=[enterprise]), "consumer": make_account(role="consumer"),
                    "enterprise_staff": make_account(role="enterprise_staff", name="企业员工"),
                    "admin": make_account(role="admin", name="运营")}
        phones = {role: account.phone for role, account in accounts.items()}
        db.session.commit()
    with LiveServer(app) as server:
        sessions = {}
        for role in ROLES:
            http = requests.Session()
            token = http.get(f"{server.url}/api/v1/session/csrf", timeout=10).json()["csrf_token"]
            http.headers["X-CSRFToken"] = token
            if role != "anonymous":
                # The real SMS-code login; no transaction of this test stays open while the app writes.
                sent = http.post(f"{server.url}/api/v1/sms/codes", json={"phone": phones[role], "purpose": "login"})
                assert sent.status_code == 202, sent.text
                with app.app_context():
                    code = last_code(phones[role])
                    db.session.commit()
                logged = http.post(f"{server.url}/api/v1/session", json={"phone": phones[role], "code": code})
                assert logged.status_code == 200, logged.text
                http.headers["X-CSRFToken"] = http.get(f"{server.url}/api/v1/session/csrf").json()["csrf_token"]
            sessions[role] = http
        yield server, sessions
    with app.app_context():
        db.engine.dispose()


def fuzz_operation(operation, base_url: str, sessions: dict[str, requests.Session], sent: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        for role in ROLES:  # each generated request is sent as every kind of caller
            sent[0] += 1
            case.call_and_validate(base_url=base_url, session=sessions[role],
                                   checks=[not_a_server_error, response_schema_conformance])

    run()


def test_no_operation_answers_5xx_or_breaks_its_schema(live):
    server, sessions = live
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    # The logged-in sessions must really be logged in, or the run would only ever see 401s.
    assert sessions["worker"].get(f"{server.url}/api/v1/me").status_code == 200
    # Logging out or deleting the account would end a session the rest of the run needs.
    skipped = {"DELETE /api/v1/session", "POST /api/v1/me/deletion", "POST /api/v1/me/sessions/revocation"}
    failures: dict[str, str] = {}
    sent = [0]
    for operation in operations:
        if operation.label in skipped:
            continue
        try:
            fuzz_operation(operation, server.url, sessions, sent)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every failure is collected
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            failures[operation.label] = " | ".join(lines[:12])[:900]
    fuzzed = sum(operation.label not in skipped for operation in operations)
    print(f"schemathesis: {fuzzed} operations x {len(ROLES)} callers, up to {EXAMPLES} "
          f"examples each: {sent[0]} requests, {len(failures)} operations failing")
    assert sessions["worker"].get(f"{server.url}/api/v1/me").status_code == 200
    assert not failures, "\n".join(f"{label}: {reason}" for label, reason in sorted(failures.items()))
