"""The dispute pages: the worker's list and form with the 有异议 mark, the operators' queue and decision,
and the menu links."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from disputes import services
from disputes.models import Dispute
from tests.factories.accounts import make_account
from tests.factories.disputes import make_confirmed_affiliation, make_feed_record, make_profile_version
from tests.factories.http import form_post, log_in
from tests.factories.workers import make_worker

REASON = "这条纳税记录有误，我已按时申报。"


def english(client, account) -> None:
    log_in(client, account)
    client.get("/?lang=en")


def test_the_worker_page_lists_records_in_words_and_disputes_one(client, worker, db_session):
    tax = make_feed_record(worker, "tax")
    make_confirmed_affiliation(worker)
    make_profile_version(worker)
    english(client, worker)
    page = client.get("/me/disputes")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "From 国家税务总局北京市税务局, as of 2026-10-01" in text
    assert "示例家政服务有限公司: confirmed by the enterprise on" in text
    assert "Basic information, version 1, saved on" in text
    assert 'data-testid="disputed-mark"' not in text
    sent = form_post(client, "/me/disputes", {"record": f"tax:{tax.id}", "reason": REASON})
    assert sent.status_code == 302
    after = client.get("/me/disputes").get_data(as_text=True)
    assert "Your dispute has been sent." in after and REASON in after
    assert after.count('data-testid="disputed-mark"') == 2  # in my disputes and on the record itself
    assert "Disputed" in after and "Waiting for a decision" in after
    assert db_session.scalars(sa.select(Dispute.record_kind)).all() == ["tax"]


@pytest.mark.parametrize(("data", "field"), [
    ({"reason": REASON}, "record"),
    ({"record": "tax:abc", "reason": REASON}, "record"),
    ({"record": "tax:99999999999", "reason": REASON}, "record"),
    ({"record": "salary:1", "reason": REASON}, "kind"),
    ({"record": "TAX", "reason": ""}, "reason"),
])
def test_bad_submissions_on_the_page_are_refused_and_change_nothing(client, worker, db_session, data, field):
    make_feed_record(worker)
    log_in(client, worker)
    answer = form_post(client, "/me/disputes", data)
    assert answer.status_code == 422 and 'role="alert"' in answer.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Dispute)) == 0


def test_someone_elses_record_cannot_be_disputed_from_the_page(client, worker, db_session):
    theirs = make_feed_record(make_worker("王阿姨"))
    english(client, worker)
    answer = form_post(client, "/me/disputes", {"record": f"tax:{theirs.id}", "reason": REASON})
    assert answer.status_code == 422 and "This record does not exist." in answer.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Dispute)) == 0


def test_a_second_dispute_from_the_page_is_refused(client, worker, db_session):
    tax = make_feed_record(worker)
    services.open_dispute(worker, "tax", tax.id, REASON)
    english(client, worker)
    page = client.get("/me/disputes").get_data(as_text=True)
    assert f'value="tax:{tax.id}"\n        disabled' in page  # the disputed record cannot be chosen again
    answer = form_post(client, "/me/disputes", {"record": f"tax:{tax.id}", "reason": "再次提交"})
    assert answer.status_code == 422 and "already has an open dispute" in answer.get_data(as_text=True)


def test_the_worker_page_is_for_workers_only(client, db_session):
    log_in(client, make_account("consumer"))
    assert client.get("/me/disputes").status_code == 403
    assert client.get("/me/disputes", follow_redirects=False).status_code == 403


def test_the_operator_queue_detail_and_decision(client, worker, operator, db_session):
    record = make_feed_record(worker, "bank_credit")
    dispute = services.open_dispute(worker, "bank_credit", record.id, REASON)
    english(client, operator)
    queue = client.get("/admin/disputes").get_data(as_text=True)
    assert "李阿姨 · Bank personal credit summary" in queue
    assert "From 中国人民银行征信中心, as of 2026-10-01" in queue
    detail = client.get(f"/admin/disputes/{dispute.id}")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200 and REASON in text and "逾期" in text and "Disputed" in text
    refused = form_post(client, f"/admin/disputes/{dispute.id}", {"outcome": "upheld", "reason": ""})
    assert refused.status_code == 422
    decided = form_post(client, f"/admin/disputes/{dispute.id}",
                        {"outcome": "upheld", "reason": "征信中心确认有误，将更正该记录。"})
    assert decided.status_code == 302
    assert "No open disputes." in client.get("/admin/disputes").get_data(as_text=True)
    after = client.get(f"/admin/disputes/{dispute.id}").get_data(as_text=True)
    assert "征信中心确认有误" in after and 'data-testid="resolution-form"' not in after
    twice = form_post(client, f"/admin/disputes/{dispute.id}", {"outcome": "rejected", "reason": "改主意"})
    assert twice.status_code == 422 and "already been decided" in twice.get_data(as_text=True)
    english(client, worker)
    mine = client.get("/me/disputes").get_data(as_text=True)
    assert "Upheld: the record is wrong" in mine and "征信中心确认有误" in mine
    assert 'data-testid="disputed-mark"' not in mine
    assert "Your dispute about a record was upheld." in client.get("/workers").get_data(as_text=True)


def test_operator_pages_are_for_operators_only(client, worker, db_session):
    dispute = services.open_dispute(worker, "tax", make_feed_record(worker).id, REASON)
    log_in(client, worker)
    assert client.get("/admin/disputes").status_code == 403
    assert client.get(f"/admin/disputes/{dispute.id}").status_code == 403
    assert form_post(client, f"/admin/disputes/{dispute.id}", {"outcome": "upheld", "reason": "x"}).status_code == 403
    log_in(client, make_account("admin"))
    assert client.get(f"/admin/disputes/{dispute.id + 1000}").status_code == 404


def test_menu_links_for_workers_and_operators(client, worker, operator, db_session):
    english(client, worker)
    assert "/me/disputes" in client.get("/me").get_data(as_text=True)
    english(client, operator)
    admin = client.get("/admin").get_data(as_text=True)
    assert "/admin/disputes" in admin and "Disputed records" in admin
    assert "/me/disputes" not in client.get("/me").get_data(as_text=True)
