"""Enterprise staff keep what the enterprise declares and its credit commitment; the registers' facts stay put."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.core import clock
from registry.core.errors import DomainError, Forbidden
from registry.core.extensions import db
from registry.enterprises import self_service
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_enterprise, make_staff
from tests.factories.http import api_post, form_post, log_in


@pytest.fixture
def staff(db_session):
    enterprise = make_enterprise("安心家政服务有限公司")
    return make_staff(enterprise), enterprise


def test_staff_update_the_profile_and_sign_the_commitment(staff):
    account, enterprise = staff
    name, code = enterprise.name, enterprise.credit_code
    self_service.update_profile(account, {"address": "北京市朝阳区望京街1号", "business_scope": "家政服务",
                                          "service_types": ["cleaning", "eldercare"],
                                          "commitment_text": "我公司承诺诚信经营。"}, sign_commitment=True)
    assert enterprise.address == "北京市朝阳区望京街1号" and enterprise.commitment_signed_on == clock.china_today()
    assert enterprise.name == name and enterprise.credit_code == code  # the registers' facts are not theirs
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == "enterprise.self_service_edited"))
    assert len(list(events)) == 1
    self_service.update_profile(account, {"address": "北京市朝阳区望京街1号", "business_scope": "家政服务",
                                          "service_types": ["cleaning", "eldercare"],
                                          "commitment_text": "我公司承诺诚信经营，接受社会监督。"})
    assert enterprise.commitment_signed_on is None  # a changed commitment needs signing again


@pytest.mark.parametrize("data, sign, field", [
    ({"address": "址" * 301}, False, "address"),
    ({"service_types": ["space_travel"]}, False, "service_types"),
    ({"commitment_text": ""}, True, "commitment_text"),
])
def test_bad_changes_are_named_and_change_nothing(staff, data, sign, field):
    account, enterprise = staff
    before = (enterprise.address, enterprise.service_mask, enterprise.commitment_text)
    with pytest.raises(DomainError) as refused:
        self_service.update_profile(account, data, sign_commitment=sign)
    assert field in refused.value.fields
    assert (enterprise.address, enterprise.service_mask, enterprise.commitment_text) == before


def test_only_its_own_staff(staff):
    with pytest.raises(Forbidden):
        self_service.update_profile(make_account("consumer", name="某家庭"), {})
    with pytest.raises(Forbidden):
        self_service.own_enterprise(make_account("enterprise_staff", name="未关联员工"))


def test_the_page_and_the_api(app, staff):
    account, enterprise = staff
    client = app.test_client()
    log_in(client, account)
    assert "信用承诺" in client.get("/enterprise/profile").get_data(as_text=True)
    saved = form_post(client, "/enterprise/profile", {"address": "上海市", "business_scope": "",
                                                      "commitment_text": "诚信经营", "sign": "1"})
    assert saved.status_code == 302 and enterprise.commitment_signed_on is not None
    bad = form_post(client, "/enterprise/profile", {"address": "址" * 301, "commitment_text": ""})
    assert bad.status_code == 422 and enterprise.address == "上海市"
    answer = api_post(client, "/api/v1/enterprise/profile", {"service_types": ["cleaning"], "sign_commitment": False},
                      method="put")
    assert answer.status_code == 200, answer.get_json()
    refused = api_post(client, "/api/v1/enterprise/profile", {"service_types": "cleaning"}, method="put")
    assert refused.status_code == 422 and "service_types" in refused.get_json()["fields"]
    household = app.test_client()
    log_in(household, make_account("consumer", name="某家庭"))
    assert api_post(household, "/api/v1/enterprise/profile", {}, method="put").status_code == 403
