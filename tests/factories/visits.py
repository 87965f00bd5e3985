"""Visits: a worker confirmed by an enterprise, a household at their door, visits in each state."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from registry.accounts.models import Account
from registry.core.extensions import db
from registry.enterprises.models import Enterprise
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_enterprise, make_staff
from tests.factories.workers import make_worker
from visits import services
from visits.models import HomeVisit
from workers.certificates import services as certificates
from workers.models import Affiliation, RegistrationStep, Worker
from workers.roster import services as roster


@dataclass
class Door:
    """Everyone at a door: the worker (confirmed by the enterprise), its staff, the household."""

    worker: Account
    enterprise: Enterprise
    staff: Account
    household: Account

    def scanned(self) -> str:
        """The worker's certificate token, as the household's camera reads it."""
        return certificates.show(db.session.get(Worker, self.worker.id)).token


def make_door(worker_name: str = "周雨桐", household_name: str = "郑家", enterprise_name: str = "安心家政服务有限公司"
              ) -> Door:
    enterprise = make_enterprise(enterprise_name)
    staff = make_staff(enterprise)
    worker = make_worker(worker_name, [enterprise], step=RegistrationStep.COMPLETE)
    affiliation = db.session.scalar(sa.select(Affiliation).where(Affiliation.worker_id == worker.id))
    roster.confirm(staff, affiliation.id)
    return Door(worker, enterprise, staff, make_account("consumer", name=household_name))


def make_visit(door: Door, state: str = "ended") -> HomeVisit:
    """A visit of the door's worker to its household, taken to state (requested, started or ended)."""
    visit = services.request_entry(door.household, door.scanned())
    if state in ("started", "ended"):
        services.confirm_entry(door.worker, visit.id)
    if state == "ended":
        services.end_visit(door.household, visit.id)
    return visit
