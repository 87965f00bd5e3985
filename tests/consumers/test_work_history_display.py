"""The household's view of a worker's self-reported work history."""
from __future__ import annotations

from tests.factories.consumers import approve, scan
from tests.factories.http import api_post
from workers.certificates import services as certificates


def test_an_open_end_reads_present_in_the_credit_view(setup, db_session):
    account, worker, worker_client, household_client = setup
    saved = api_post(worker_client, "/api/v1/workers/me/profile/work", {"entries": [
        {"employer": "阳光家政", "role": "保洁员", "from": "2019-05-01", "to": "2021-06-30"},
        {"employer": "好帮手", "role": "育儿嫂", "from": "2022-01-01", "to": None}]}, method="put")
    assert saved.status_code == 200, saved.get_json()
    request_id = scan(household_client, certificates.show(worker).token).get_json()["request_id"]
    grant_id = approve(worker_client, account, request_id).get_json()["id"]
    page = household_client.get(f"/views/{grant_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    work = page.split('data-testid="section-work_history"', 1)[1].split("</section>", 1)[0]
    # The open end says present (not a dash), and the columns are labelled, not the raw keys "from"/"to".
    assert "present" in work and "好帮手" in work and "阳光家政" in work
    assert ">to<" not in work and ">from<" not in work
