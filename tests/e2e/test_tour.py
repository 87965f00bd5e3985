"""Every page each kind of person can reach, in Chromium, in both languages, on a phone and a desktop.

Each page must fit its width (no horizontal overflow), show no catalog string of the other language,
no raw code (snake_case) and no ISO timestamp, and have no serious or critical accessibility
violation found by axe-core (vendored in tests/e2e/vendor/axe-core). A screenshot of each page is
saved in test-artifacts/tour/. The totals are printed for the session note.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from playwright.sync_api import sync_playwright

from consent.models import SignedConsent, ViewGrant
from consumers.models import ViewRequest
from disputes import services as disputes
from registry.core import clock
from registry.core.extensions import db
from registry.news import services as news
from tests.e2e import face_support
from tests.e2e.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories.accounts import make_account
from tests.factories.disputes import make_feed_record
from tests.factories.enterprises import make_enterprise, make_staff
from tests.factories.workers import make_worker
from workers import services as workers
from workers.certificates import services as certificates
from workers.identity.models import IdentityRecord, IdentityReview
from workers.models import RegistrationStep
from workers.profile import services as profile
from workers.profile.schemas import SECTION_SCHEMAS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
CATALOG = Path(__file__).parents[2] / "registry" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LANGUAGES = ("zh", "en")
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def catalog_strings() -> tuple[set[str], set[str]]:
    """English msgids and Chinese msgstrs long enough to be unmistakable on a page of the other language."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    english, chinese = set(), set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or "%(" in message.id or not message.string:
            continue
        if len(message.id.split()) >= 3:
            english.add(message.id)
        if len(message.string) >= 6 and "%(" not in message.string:
            chinese.add(message.string)
    return english, chinese


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """A live app with someone at every stage, and the pages each of them can reach."""
    app = face_support.build_app(tmp_path_factory.mktemp("tour"))
    with app.app_context():
        enterprise = make_enterprise("北京好帮手家政服务有限公司", records=[{
            "kind": "reward", "occurred_on": "2025-03-01", "authority": "北京市朝阳区商务局", "summary": "区级诚信家政企业"}])
        staff = make_staff(enterprise, name="赵经理")
        operator = make_account("admin", name="运营人员")
        article = news.save_article(None, kind="news", title="家政服务信用体系建设推进会召开",
                                    body="会议部署了下一阶段工作。", source="商务部", publish=True, actor_id=operator.id)
        halfway = make_worker("钱多多")
        choosing = make_worker("孙小美", enterprises=[enterprise], step=RegistrationStep.IDENTITY)
        done = make_worker("周雨桐", enterprises=[enterprise], step=RegistrationStep.COMPLETE, identity_verified=True)
        worker = workers.ensure_worker(done)
        db.session.add(IdentityRecord(
            worker_id=done.id, method="chip", document_kind="cn_resident_id",
            checks={name: {"status": "passed"} for name in ("sod_signature", "certificate_chain",
                                                             "data_group_hashes", "active_authentication")},
            document_verified_at=clock.now(), verified_at=clock.now(), created_at=clock.now()))
        profile.save_section(worker, "basic", SECTION_SCHEMAS["basic"]().load(
            {"hometown": "四川成都", "ethnicity": "汉族", "education": "junior_high", "languages": ["普通话"]}))
        profile.save_section(worker, "service", SECTION_SCHEMAS["service"]().load(
            {"service_types": ["maternity", "childcare"], "skills": ["催乳"], "years_experience": 5}))
        profile.save_section(worker, "work", SECTION_SCHEMAS["work"]().load(
            {"entries": [{"employer": "张家", "role": "育儿嫂", "from": "2020-01-01", "to": "2022-06-30"}]}))
        certificates.ensure_certificate(worker)
        db.session.add(IdentityReview(worker_id=choosing.id, state="pending", hand_held_photo=b"\xff\xd8\xff",
                                      front_photo=b"\xff\xd8\xff", back_photo=b"\xff\xd8\xff"))
        record = make_feed_record(done, "background_check")
        dispute = disputes.open_dispute(done, "background_check", record.id, "这条记录不是我的")
        review = db.session.scalars(sa.select(IdentityReview)).first()
        signing = make_worker("李思思", enterprises=[enterprise], step=RegistrationStep.AUTHORIZATION,
                              identity_verified=True)
        departed = make_worker("王大妈", enterprises=[enterprise], step=RegistrationStep.COMPLETE, identity_verified=True)
        workers.ensure_worker(departed).due_on = clock.china_today() - dt.timedelta(days=3)
        certificates.ensure_certificate(workers.ensure_worker(departed))
        consent_id = db.session.scalar(sa.select(SignedConsent.id).where(SignedConsent.account_id == done.id))
        household = make_account("consumer", name="郑家明")
        grant = ViewGrant(worker_id=done.id, consumer_id=household.id, scopes="basic,identity,work_history,training",
                          valid_from=clock.now(), valid_until=clock.now() + dt.timedelta(hours=24))
        db.session.add(grant)
        db.session.flush()
        view_request = ViewRequest(consumer_id=household.id, worker_id=done.id, state="approved", grant_id=grant.id,
                                   created_at=clock.now(), decided_at=clock.now(),
                                   expires_at=clock.now() + dt.timedelta(minutes=10))
        db.session.add(view_request)
        pending = ViewRequest(consumer_id=household.id, worker_id=done.id, created_at=clock.now(),
                              expires_at=clock.now() + dt.timedelta(hours=2))
        db.session.add(pending)
        db.session.flush()
        code, article_id = enterprise.credit_code, article.id
        pages = {
            "public": [None, ["/", "/enterprises", "/enterprises?q=家政", f"/enterprises/{code}", "/news",
                              f"/news/{article_id}", "/login", "/register"]],
            "household": [household.phone, ["/", "/me", "/scan", "/views", f"/views/{grant.id}",
                                            f"/requests/{view_request.id}", "/me/export", "/me/phone"]],
            "worker_halfway": [halfway.phone, ["/workers", "/workers/enterprises"]],
            "worker_identity": [choosing.phone, ["/workers", "/workers/identity", "/workers/identity/manual"]],
            "worker_done": [done.phone, ["/workers", "/me", "/workers/certificate", "/workers/check-in",
                                         "/workers/profile", "/workers/profile/basic", "/workers/profile/service",
                                         "/workers/profile/insurance", "/workers/profile/work",
                                         "/workers/profile/training", "/workers/profile/health", "/me/grants",
                                         "/me/requests", f"/me/requests/{pending.id}/approve", "/consent/mine",
                                         f"/consent/receipts/{consent_id}", "/me/disputes", "/me/export",
                                         "/me/delete"]],
            "worker_signing": [signing.phone, ["/workers", "/consent/letter"]],
            "worker_departed": [departed.phone, ["/workers", "/workers/certificate", "/workers/check-in"]],
            "staff": [staff.phone, ["/me", "/enterprise/roster"]],
            "operator": [operator.phone, ["/admin", "/admin/identity/reviews", f"/admin/identity/reviews/{review.id}",
                                          "/admin/disputes", f"/admin/disputes/{dispute.id}", "/admin/jobs",
                                          "/admin/enterprises", "/admin/enterprises/new",
                                          f"/admin/enterprises/{code}/edit", "/admin/news", "/admin/news/new",
                                          "/admin/consent/letters"]],
        }
        db.session.commit()
    with face_support.LiveServer(app) as server:
        yield server, app, pages


def _check_page(page, language: str, english: set[str], chinese: set[str], impacts: dict[str, int]) -> list[str]:
    problems = []
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        problems.append(f"overflows: {width[0]} px wide in {width[1]} px")
    text = page.evaluate("() => document.body.innerText")
    if language == "zh":
        problems += [f"English left: {s!r}" for s in english if s in text]
    else:
        problems += [f"Chinese left: {s!r}" for s in chinese if s in text]
    problems += [f"raw code: {m!r}" for m in sorted(set(RAW_CODE.findall(text)))]
    problems += [f"ISO time: {m!r}" for m in sorted(set(ISO_TIME.findall(text)))]
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    for violation in result["violations"]:
        impacts[violation["impact"] or "unknown"] = impacts.get(violation["impact"] or "unknown", 0) + 1
        if violation["impact"] in ("serious", "critical"):
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"axe {violation['impact']} {violation['id']}: {targets}")
    return problems


def test_every_page_of_every_role_fits_speaks_one_language_and_passes_axe(tour, capsys):
    server, app, pages = tour
    english, chinese = catalog_strings()
    folder = ARTIFACTS / "tour"
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[str]] = {}
    impacts: dict[str, int] = {}
    toured = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for role, (phone, urls) in pages.items():
                for viewport_name, viewport in VIEWPORTS.items():
                    # bypass_csp: axe is injected by the test; the app's own CSP has tests of its own.
                    context = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)
                    if phone:
                        face_support.log_in(context, server.url, app, phone)
                    page = context.new_page()
                    for language in LANGUAGES:
                        for url in urls:
                            separator = "&" if "?" in url else "?"
                            response = page.goto(f"{server.url}{url}{separator}lang={language}")
                            toured += 1
                            label = f"{role} {viewport_name} {language} {url}"
                            problems = [] if response.ok else [f"answered {response.status}"]
                            problems += _check_page(page, language, english, chinese, impacts)
                            if problems:
                                found[label] = problems
                            name = re.sub(r"[^a-z0-9]+", "-", f"{role}-{viewport_name}-{language}-{url}".lower())
                            page.screenshot(path=str(folder / f"{name.strip('-')}.png"), full_page=True)
                    context.close()
        finally:
            browser.close()
    with capsys.disabled():
        print(f"\ntour: {toured} page views ({sum(len(u) for _p, u in pages.values())} pages x 2 languages x 2 "
              f"sizes) by {len(pages)} kinds of person; {len(found)} with problems; axe-core violations by "
              f"impact (rule x page view): {dict(sorted(impacts.items())) or 'none'}")
    (ARTIFACTS / "tour" / "problems.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))
    assert not found, "\n".join(f"{label}: {'; '.join(p)}" for label, p in sorted(found.items()))
