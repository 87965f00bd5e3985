"""No JSON body makes the workers API answer 500 or change anything it refused."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories.http import csrf_token, log_in
from tests.factories.workers import make_worker
from workers.models import Affiliation
from workers.profile.models import ProfileVersion

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
bodies = st.dictionaries(st.sampled_from(["entries", "hometown", "languages", "service_types", "certificates",
                                          "years_experience", "face_check_id", "credit_codes", "base_version",
                                          "from", "valid_to"]) | st.text(max_size=8), json_values, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["basic", "service", "insurance", "work", "training", "health"]), body=bodies)
def test_profile_put_never_fails_server_side(client, db_session, section, body):
    account = make_worker()
    log_in(client, account)
    response = client.put(f"/api/v1/workers/me/profile/{section}", json=body,
                          headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code in (200, 409, 422), response.get_json()
    if response.status_code != 200:
        assert db_session.scalar(sa.select(sa.func.count()).select_from(ProfileVersion).where(
            ProfileVersion.worker_id == account.id)) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_claims_and_check_ins_never_fail_server_side(client, db_session, body):
    account = make_worker()
    log_in(client, account)
    token = csrf_token(client)
    for url in ("/api/v1/workers/me/affiliations", "/api/v1/workers/me/check-ins"):
        response = client.post(url, json=body, headers={"X-CSRFToken": token})
        assert 400 <= response.status_code < 500, response.get_json()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Affiliation).where(
        Affiliation.worker_id == account.id)) == 0
