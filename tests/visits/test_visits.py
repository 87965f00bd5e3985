"""Visits confirmed at the door by both sides, and the one rating an ended visit allows."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registry.accounts.services import erase_account
from registry.core import clock
from registry.core.errors import Conflict, DomainError, Forbidden, NotFound
from registry.core.extensions import db
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_enterprise
from tests.factories.visits import make_door, make_visit
from visits import services
from visits.models import HomeVisit, VisitRating
from workers.certificates.services import ScanRefused
from workers.models import Worker


@pytest.fixture
def door(db_session):
    return make_door()


def test_the_household_asks_the_worker_confirms_either_ends(door):
    visit = services.request_entry(door.household, door.scanned(), area="海淀区")
    assert visit.state == "requested" and visit.enterprise_id == door.enterprise.id and visit.area == "海淀区"
    assert services.waiting_for_worker(door.worker) == [visit]
    assert services.request_entry(door.household, door.scanned()).id == visit.id  # tapping twice asks once
    services.confirm_entry(door.worker, visit.id)
    assert visit.state == "started" and visit.started_at is not None and not services.waiting_for_worker(door.worker)
    services.end_visit(door.worker, visit.id)
    assert visit.state == "ended" and visit.ended_by == "worker"
    assert [v.id for v in services.visits_of(door.household)] == [visit.id] == [
        v.id for v in services.visits_of(door.worker)]


def test_an_unconfirmed_request_expires_and_cannot_be_confirmed_late(door):
    visit = services.request_entry(door.household, door.scanned())
    clock.set_offset(clock.get_offset() + dt.timedelta(minutes=11))
    with pytest.raises(Conflict) as refused:
        services.confirm_entry(door.worker, visit.id)
    assert refused.value.code == "visit_expired" and visit.state == "expired"
    assert services.request_entry(door.household, door.scanned()).id != visit.id  # a new scan asks again


def test_only_the_visits_worker_confirms_and_only_its_people_see_it(door):
    visit = services.request_entry(door.household, door.scanned())
    with pytest.raises(Forbidden):
        services.confirm_entry(door.household, visit.id)
    stranger = make_account("worker", name="陌生人")
    with pytest.raises(NotFound):
        services.confirm_entry(stranger, visit.id)
    with pytest.raises(NotFound):
        services.get_visit(make_account("consumer", name="邻居"), visit.id)
    services.decline_entry(door.worker, visit.id)
    with pytest.raises(Conflict) as refused:
        services.end_visit(door.household, visit.id)  # never started
    assert refused.value.code == "visit_declined"


@pytest.mark.parametrize("scanned, code", [("", "empty"), ("ABC", None), ("x" * 300, "token_malformed")])
def test_a_bad_scan_starts_nothing(door, scanned, code):
    with pytest.raises(ScanRefused) as refused:
        services.request_entry(door.household, scanned)
    if code:
        assert refused.value.code == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HomeVisit)) == 0


def test_refusals_before_a_visit(door):
    with pytest.raises(Forbidden):
        services.request_entry(door.staff, door.scanned())  # staff do not confirm entries
    with pytest.raises(DomainError) as refused:
        services.request_entry(door.household, door.scanned(), enterprise_id=make_enterprise("别家家政有限公司").id)
    assert refused.value.code == "not_the_workers_enterprise"
    with pytest.raises(DomainError) as refused:
        services.request_entry(door.household, door.scanned(), area="区" * 41)
    assert refused.value.code == "area_too_long"
    worker = db.session.get(Worker, door.worker.id)
    worker.due_on = clock.china_today() - dt.timedelta(days=1)  # more than 30 days without a check-in
    db.session.flush()
    with pytest.raises(Conflict) as refused:
        services.request_entry(door.household, door.scanned())
    assert refused.value.code == "worker_departed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HomeVisit)) == 0


def test_an_ended_visit_is_rated_once_and_shown_only_as_aggregates(door):
    visit = make_visit(door, "ended")
    services.rate_visit(door.household, visit.id, 5, ["punctual", "hygienic"], "很好")
    with pytest.raises(Conflict) as refused:
        services.rate_visit(door.household, visit.id, 1)
    assert refused.value.code == "already_rated"
    second = make_visit(door, "ended")
    services.rate_visit(door.household, second.id, 3, ["punctual"])
    summary = services.rating_summary(worker_id=door.worker.id)
    assert summary.count == 2 and summary.average == 4.0 and summary.tags == {"punctual": 2, "hygienic": 1}
    assert summary.stars == {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}
    assert services.rating_summary(enterprise_id=door.enterprise.id).count == 2


def test_no_rating_without_a_real_ended_visit(door):
    started = make_visit(door, "started")
    with pytest.raises(Conflict) as refused:
        services.rate_visit(door.household, started.id, 4)
    assert refused.value.code == "visit_not_ended"
    services.end_visit(door.household, started.id)
    with pytest.raises(Forbidden):
        services.rate_visit(door.worker, started.id, 5)  # the worker cannot rate themselves
    with pytest.raises(NotFound):
        services.rate_visit(make_account("consumer", name="没请过的人"), started.id, 1)
    for stars, tags, comment, code in [(0, [], None, "invalid_stars"), (6, [], None, "invalid_stars"),
                                       (4, ["rude"], None, "invalid_tag"), (4, [], "长" * 501, "comment_too_long")]:
        with pytest.raises(DomainError) as refused:
            services.rate_visit(door.household, started.id, stars, tags, comment)
        assert refused.value.code == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitRating)) == 0


def test_the_enterprise_sees_counts_and_dates_never_households(door):
    make_visit(door, "ended")
    make_visit(door, "started")
    seen = services.enterprise_visits(door.enterprise.id)
    assert (seen.started, seen.ended) == (1, 1)
    assert [(row["worker_id"], row["visits"]) for row in seen.by_worker] == [(door.worker.id, 2)]
    assert all(set(row) == {"worker_id", "name", "visits", "dates"} for row in seen.by_worker)


def test_visits_and_ratings_go_with_the_household_account(door):
    visit = make_visit(door, "ended")
    services.rate_visit(door.household, visit.id, 2)
    erase_account(door.household)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HomeVisit)) == 0
    assert services.rating_summary(worker_id=door.worker.id).count == 0
