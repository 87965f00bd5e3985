"""Public enterprise pages, the home entry, and the admin pages."""
import sqlalchemy as sa

from registry.core.extensions import db
from registry.enterprises import services
from registry.enterprises.models import CreditRecord, Enterprise
from registry.enterprises.search import search
from tests.factories.accounts import make_account
from tests.factories.enterprises import make_code, make_enterprise
from tests.factories.http import form_post, log_in


def test_home_links_to_enterprise_search(client):
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="entry-enterprises"' in page and 'href="/enterprises"' in page


def test_search_page_results_and_errors(client):
    client.get("/?lang=en")  # the assertions below read English messages
    make_enterprise(name="页面测试家政有限公司", brands=["页面阿姨"], district_code="310104")
    page = client.get("/enterprises?q=页面&province=310000&city=310100").get_data(as_text=True)
    assert "页面测试家政有限公司" in page and 'value="310100" selected' in page
    assert client.get("/enterprises").status_code == 200
    short = client.get("/enterprises?q=页")
    assert short.status_code == 422 and "two characters" in short.get_data(as_text=True)
    bad = client.get("/enterprises?province=abc&q=页面")
    assert bad.status_code == 422 and "Unknown region code" in bad.get_data(as_text=True)
    hostile = client.get('/enterprises?q=%22%3Cscript%3Ealert(1)%3C/script%3E')
    assert hostile.status_code == 200 and "<script>alert" not in hostile.get_data(as_text=True)


def test_detail_page_shows_profile_records_and_active_worker_count(client):
    enterprise = make_enterprise(name="详情测试家政", records=[
        {"kind": "penalty", "occurred_on": "2020-01-01", "summary": "过期的处罚", "valid_until": "2021-01-01"},
        {"kind": "serious_dishonesty", "occurred_on": "2024-01-01", "summary": "列入名单"}])
    page = client.get(f"/enterprises/{enterprise.credit_code}").get_data(as_text=True)
    assert "详情测试家政" in page and "过期的处罚" in page and "列入名单" in page
    assert 'data-testid="affiliated-workers">0<' in page  # the workers domain counts; none yet
    assert "Serious-dishonesty list" in page or "严重失信" in page
    assert client.get(f"/enterprises/{make_code()}").status_code == 404


def test_detail_page_shows_workers_when_the_hook_answers(client, monkeypatch):
    enterprise = make_enterprise(name="有员工的家政")
    monkeypatch.setattr(services, "affiliated_active_workers", lambda e: 7)
    page = client.get(f"/enterprises/{enterprise.credit_code}").get_data(as_text=True)
    assert 'data-testid="affiliated-workers">7<' in page


def test_admin_pages_need_an_admin(client):
    assert client.get("/admin/enterprises").status_code == 302
    log_in(client, make_account(role="consumer"))
    assert client.get("/admin/enterprises").status_code == 403
    assert client.get("/admin/enterprises/new").status_code == 403


def test_admin_creates_and_corrects_an_enterprise_and_records(client):
    client.get("/?lang=en")
    admin = make_account(role="admin")
    log_in(client, admin)
    code = make_code("440305")
    fields = {"credit_code": code, "name": "管理员新建家政", "brands": "新建阿姨|新建帮", "province_code": "",
              "city_code": "", "district_code": "440305", "registered_capital": "12.5", "status": "operating",
              "service_types": ["cleaning", "eldercare"], "registered_on": "2019-02-03"}
    response = form_post(client, "/admin/enterprises/new", fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    enterprise = services.get_by_code(code)
    assert enterprise.brand_names == ["新建阿姨", "新建帮"] and enterprise.city_code == "440300"
    assert enterprise.registered_capital == "12.5"
    assert [e.credit_code for e in search("新建阿").items] == [code]

    bad = form_post(client, f"/admin/enterprises/{code}/edit", {**fields, "district_code": "999999", "name": ""})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "unknown district code" in text and "is required" in text
    duplicate = form_post(client, "/admin/enterprises/new", fields)
    assert duplicate.status_code == 422 and "already registered" in duplicate.get_data(as_text=True)
    wrong = form_post(client, "/admin/enterprises/new", {**fields, "credit_code": code[:-1] + "X"})
    assert "position 18" in wrong.get_data(as_text=True) or code[-1] == "X"

    ok = form_post(client, f"/admin/enterprises/{code}/edit", {**fields, "name": "管理员改名家政", "brands": "新建帮"})
    assert ok.status_code == 302
    db.session.expire_all()
    enterprise = services.get_by_code(code)
    assert enterprise.name == "管理员改名家政" and enterprise.brand_names == ["新建帮"]
    assert [e.credit_code for e in search("新建阿").items] == []

    record = {"kind": "complaint", "occurred_on": "2024-02-02", "summary": "投诉内容", "source": "平台",
              "authority": "", "document_number": "", "valid_until": ""}
    assert form_post(client, f"/admin/enterprises/{code}/records/new", record).status_code == 302
    bad_record = form_post(client, f"/admin/enterprises/{code}/records/new", {**record, "occurred_on": "x",
                                                                               "valid_until": "2000-01-01"})
    assert bad_record.status_code == 422
    record_id = db.session.scalar(sa.select(CreditRecord.id).where(CreditRecord.summary == "投诉内容"))
    assert client.get(f"/admin/enterprises/{code}/records/{record_id}/edit").status_code == 200
    assert form_post(client, f"/admin/enterprises/{code}/records/{record_id}/edit",
                     {**record, "summary": "更正后的投诉"}).status_code == 302
    assert "更正后的投诉" in client.get(f"/enterprises/{code}").get_data(as_text=True)
    assert form_post(client, f"/admin/enterprises/{code}/records/{record_id}/delete", {}).status_code == 302
    assert db.session.get(CreditRecord, record_id) is None
    assert client.get(f"/admin/enterprises/{code}/records/999999/edit").status_code == 404
    listing = client.get("/admin/enterprises?q=管理员").get_data(as_text=True)
    assert "管理员改名家政" in listing


def test_admin_attaches_staff_accounts(client):
    log_in(client, make_account(role="admin"))
    enterprise = make_enterprise(name="员工测试家政")
    staff = make_account(role="enterprise_staff", name="李四")
    response = form_post(client, f"/admin/enterprises/{enterprise.credit_code}/staff", {"phone": staff.phone})
    assert response.status_code == 302
    assert services.staff_enterprise(staff.id).id == enterprise.id
    other = make_enterprise(name="另一家政")
    form_post(client, f"/admin/enterprises/{other.credit_code}/staff", {"phone": staff.phone})
    assert services.staff_enterprise(staff.id).id == other.id  # one enterprise per account
    consumer = make_account(role="consumer")
    form_post(client, f"/admin/enterprises/{other.credit_code}/staff", {"phone": consumer.phone})
    assert services.staff_enterprise(consumer.id) is None
    form_post(client, f"/admin/enterprises/{other.credit_code}/staff", {"phone": "13000000000"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 2


def test_an_empty_search_says_what_to_enter(client):
    client.get("/?lang=en")
    make_enterprise(name="空查询测试家政")
    for url in ("/enterprises?q=", "/enterprises?q=%20%20&province=&city=&service="):
        page = client.get(url)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and 'data-testid="search-hint"' in text, url
        assert "Enter a name, brand or unified social credit code" in text
        assert 'data-testid="enterprise-results"' not in text  # not every enterprise
    assert 'data-testid="search-hint"' not in client.get("/enterprises").get_data(as_text=True)


def test_enterprise_refusals_are_words(client):
    client.get("/?lang=en")
    missing = client.get(f"/api/v1/enterprises/{make_code()}").get_json()
    assert missing["message"] == "No enterprise has this credit code."
    assert client.get("/api/v1/regions?parent=abc").get_json()["message"] == "Unknown region code."


def test_registered_capital_reads_in_the_readers_language(client):
    enterprise = make_enterprise(name="资本测试家政", registered_capital="500", brands=["甲牌", "乙牌"])
    chinese = client.get(f"/enterprises/{enterprise.credit_code}").get_data(as_text=True)
    assert 'data-testid="registered-capital">500万元<' in chinese and "甲牌、乙牌" in chinese
    client.get("/?lang=en")
    english = client.get(f"/enterprises/{enterprise.credit_code}").get_data(as_text=True)
    assert 'data-testid="registered-capital">CNY 5,000,000<' in english and "甲牌, 乙牌" in english
    assert "ten thousand yuan" not in english
