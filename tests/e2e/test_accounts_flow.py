"""A household's whole account life in a real browser."""
from __future__ import annotations

import re

from tests.factories.accounts import make_id_number

PHONE = "13912345678"
NEW_PHONE = "13787654321"


def read_code(page, base_url: str, phone: str) -> str:
    """The newest code sent to phone, read from the development outbox."""
    response = page.request.get(f"{base_url}/api/v1/dev/outbox?phone={phone}")
    body = response.json()["items"][0]["body"]
    return re.search(r"\d{6}", body).group(0)


def test_home_page_in_both_languages(page, live_server, artifacts):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "家政服务信用信息平台"
    assert page.get_by_test_id("entry-news").is_visible()
    page.screenshot(path=str(artifacts / "home-zh.png"), full_page=True)
    page.get_by_test_id("language-switch").click()
    assert page.locator("h1").inner_text() == "Household Services Credit Information Platform"
    page.screenshot(path=str(artifacts / "home-en.png"), full_page=True)
    # The choice sticks for the session.
    page.goto(live_server.url + "/news")
    assert page.locator("h1").inner_text() == "News and policies"


def test_register_read_change_phone_delete(page, live_server):
    base = live_server.url
    page.goto(base + "/register")
    form = page.get_by_test_id("register-form")
    form.locator("input[name=name]").fill("赵丽华")
    form.locator("input[name=id_number]").fill(make_id_number("19850612", sequence=42))
    form.locator("input[name=phone]").fill(PHONE)
    form.locator("button[value=send]").click()
    assert page.get_by_role("status").first.is_visible()
    form = page.get_by_test_id("register-form")
    form.locator("input[name=code]").fill(read_code(page, base, PHONE))
    form.locator("button[value=register]").click()
    assert page.get_by_test_id("masked-phone").inner_text() == "139****5678"
    assert re.fullmatch(r"110105\*{8}\w{4}", page.get_by_test_id("masked-id").inner_text())

    # Read an article.
    page.goto(base + "/news")
    page.get_by_test_id("article-list").locator("a").first.click()
    assert "演示数据" in page.get_by_test_id("article-body").inner_text()

    # Log out and back in with a code.
    page.goto(base + "/me")
    page.locator("form[action='/logout'] button").click()
    page.goto(base + "/login")
    page.locator("input[name=phone]").fill(PHONE)
    page.locator("button[value=send]").click()
    page.locator("input[name=code]").fill(read_code(page, base, PHONE))
    page.locator("button[value=login]").click()
    assert page.get_by_test_id("masked-phone").inner_text() == "139****5678"

    # Change phone: old number first, then the new one.
    page.goto(base + "/me/phone")
    page.locator("button[value=send_old]").click()
    page.locator("input[name=code]").fill(read_code(page, base, PHONE))
    page.locator("button[value=verify_old]").click()
    new_form = page.get_by_test_id("new-phone-form")
    new_form.locator("input[name=phone]").fill(NEW_PHONE)
    new_form.locator("button[value=send_new]").click()
    new_form = page.get_by_test_id("new-phone-form")
    new_form.locator("input[name=code]").fill(read_code(page, base, NEW_PHONE))
    new_form.locator("button[value=confirm]").click()
    assert page.get_by_test_id("masked-phone").inner_text() == "137****4321"

    # Delete the account.
    page.goto(base + "/me/delete")
    page.locator("button[value=send]").click()
    page.locator("input[name=code]").fill(read_code(page, base, NEW_PHONE))
    page.locator("button[value=delete]").click()
    assert page.get_by_test_id("entry-login").is_visible()

    # The login no longer works: the page answers as for any phone (no enumeration), but no code comes.
    page.goto(base + "/login")
    page.locator("input[name=phone]").fill(NEW_PHONE)
    page.locator("button[value=send]").click()
    assert page.request.get(f"{base}/api/v1/dev/outbox?phone={NEW_PHONE}").json()["items"] == []
    page.locator("input[name=code]").fill("123456")
    page.locator("button[value=login]").click()
    assert page.locator("small.error").inner_text()
