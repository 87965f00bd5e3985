"""The face-capture component in Chromium, with a camera the test supplies (tests/e2e/fake_camera.py).

The genuine camera is a canvas filming real photos of one person: looking
straight (obama.jpg), turned to his right (obama2.jpg) or left (obama3.jpg)
as the page asks, lit by the colours the page flashes. The challenge is fixed
to "turn right, then turn left" through the test-only setting
FACE_CHALLENGE_ACTIONS_FOR_TESTS; its colours and timing are random as in
production. An attacker's camera shows the same photos without the page's
light, or one still photo: both fail.
"""
from __future__ import annotations

import os

import pytest

from registry.core.extensions import db
from registry.face import services
from registry.face.models import FaceChallenge, FaceCheck
from tests.e2e import face_support as support
from tests.e2e import fake_camera
from tests.factories import photos as P
from tests.factories.accounts import make_account

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # slow: dlib face recognition in the live app


@pytest.fixture(scope="module")
def live(real_photos, tmp_path_factory):
    if not os.path.exists(support.CHROMIUM):
        pytest.fail(f"{support.CHROMIUM} is missing: install Debian's chromium package")
    app = support.build_app(tmp_path_factory.mktemp("face-live"),
                            FACE_CHALLENGE_ACTIONS_FOR_TESTS=["turn_right", "turn_left"], FACE_PHOTO_CAPTURE=True,
                            FACE_MAX_FAILURES=50)
    with app.app_context():
        worker = make_account("worker", name="测试工人")
        services.enroll_reference(worker, real_photos["obama3.jpg"], "chip_dg2")
        phone = worker.phone
        db.session.commit()
    with support.LiveServer(app) as server:
        yield server, app, phone


def _new_page(browser, server, app, phone, refuse_camera=False, reduced_motion="no-preference"):
    context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860},
                                  reduced_motion=reduced_motion)
    if refuse_camera:
        context.add_init_script("""
            navigator.mediaDevices.getUserMedia = () =>
                Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
        """)
    support.log_in(context, server.url, app, phone)
    # Chinese is the default; the assertions below read the English texts.
    context.request.get(server.url + "/?lang=en")
    page = context.new_page()
    page.set_default_timeout(30000)
    return context, page


def test_camera_capture_passes_and_redirects(live, face_video):
    server, app, phone = live

    def scenario(browser):
        context, page = _new_page(browser, server, app, phone)
        prompts = []
        page.expose_function("notePrompt", lambda text: prompts.append(text))
        page.goto(server.url + "/face/check?purpose=check_in&next=/api/v1/face/reference")
        page.evaluate("""() => new MutationObserver(() => {
            const t = document.querySelector('[data-testid=face-prompt]').textContent;
            if (t) { window.notePrompt(t); }
        }).observe(document.querySelector('[data-testid=face-prompt]'), {childList: true, characterData: true, subtree: true})""")
        colours = _watch(page)
        page.get_by_test_id("face-start").click()
        page.wait_for_selector("[data-face-capture][data-state=passed]", timeout=60000)
        result = page.get_by_test_id("face-result").inner_text()
        check_id = page.get_attribute("[data-face-capture]", "data-check-id")
        page.wait_for_url("**/api/v1/face/reference?face_check=*")
        context.close()
        return result, check_id, prompts, colours

    result, check_id, prompts, colours = support.run_in_browser(face_video, scenario)
    assert result == "Face verification passed."
    assert "Turn your head slowly to your right" in prompts and "Turn your head slowly to your left" in prompts
    assert prompts.index("Turn your head slowly to your right") < prompts.index("Turn your head slowly to your left")
    assert len(set(colours)) >= 3  # the page flashed the plan's colours
    with app.app_context():
        check = db.session.get(FaceCheck, int(check_id))
        challenge = db.session.get(FaceChallenge, check.challenge_id)
        flashed = {segment.rgb for segment in challenge.capture_plan.flash}
        assert {tuple(bytes.fromhex(c[1:])) for c in colours} <= flashed
        assert check.passed and check.frame_count >= 30 and check.frames is None


def _watch(page) -> list[str]:
    """Every colour the page puts on the capture stage, as it happens."""
    seen: list[str] = []
    page.expose_function("noteColour", lambda colour: seen.append(colour))
    page.evaluate("""() => new MutationObserver(() => {
        const c = document.querySelector('.face-stage').getAttribute('data-flash-colour');
        if (c) { window.noteColour(c); }
    }).observe(document.querySelector('.face-stage'), {attributes: true, attributeFilter: ['data-flash-colour']})""")
    return seen


def _attack(live, camera) -> str:
    server, app, phone = live

    def scenario(browser):
        context, page = _new_page(browser, server, app, phone)
        # A busy machine can delay the browser's frames past the capture's timing limit
        # (capture_incomplete): that says nothing about the attack, so the attacker tries again.
        for _attempt in range(3):
            page.goto(server.url + "/face/check?purpose=check_in")
            page.get_by_test_id("face-start").click()
            page.wait_for_selector("[data-face-capture][data-state=failed]", timeout=60000)
            reason = page.get_attribute("[data-face-capture]", "data-reason")
            if reason != "capture_incomplete":
                break
        message = page.get_by_test_id("face-result").inner_text()
        context.close()
        return reason, message

    return support.run_in_browser(camera, scenario)


def test_people_who_ask_for_reduced_motion_get_no_flashing(live, face_video):
    server, app, phone = live

    def scenario(browser):
        context, page = _new_page(browser, server, app, phone, reduced_motion="reduce")
        asked = []
        page.on("request", lambda r: asked.append(r.post_data_json.get("flash"))
                if r.url.endswith("/api/v1/face/challenges") else None)
        page.goto(server.url + "/face/check?purpose=check_in")
        ticked = page.get_by_test_id("face-steady").is_checked()
        colours = _watch(page)
        page.get_by_test_id("face-start").click()
        page.wait_for_selector("[data-face-capture][data-state=passed]", timeout=60000)
        context.close()
        return ticked, asked, colours

    ticked, asked, colours = support.run_in_browser(face_video, scenario)
    assert ticked and asked == [False] and colours == []


def test_a_still_photo_in_front_of_the_camera_fails(live):
    still = fake_camera.FakeCamera({"look": P.camera_frame(*P.FRONTAL)}, follow_flash=False)
    reason, message = _attack(live, still)
    assert reason == "not_live" and "in front of the camera" in message


def test_the_real_poses_without_the_page_light_fail(live):
    """The victim's real photos in the right poses at the right times, shown as on another screen: they do
    not take on the colours this page flashes."""
    reason, _message = _attack(live, fake_camera.genuine(follow_flash=False))
    assert reason == "not_live"


def test_an_edited_photo_fails(live):
    """One photo, crudely edited into the asked poses (the middle of the face shifted sideways), shown to the
    camera: it changes pose on cue, but its light is not this page's."""
    base = P.camera_frame(*P.FRONTAL)
    edits = {"look": base, "turn_right": fake_camera.shifted_middle(base, -0.12),
             "turn_left": fake_camera.shifted_middle(base, 0.12)}
    reason, _message = _attack(live, fake_camera.FakeCamera(edits, follow_flash=False))
    assert reason == "not_live"


def test_refused_camera_falls_back_to_photo_upload(live, face_video, tmp_path):
    server, app, phone = live
    files = []
    for index, pose in enumerate([P.FRONTAL, P.TURNED_RIGHT, P.FRONTAL, P.TURNED_LEFT]):
        path = tmp_path / f"{index + 1}.jpg"
        path.write_bytes(P.jpeg(P.camera_frame(*pose)))
        files.append(str(path))

    def scenario(browser):
        context, page = _new_page(browser, server, app, phone, refuse_camera=True)
        asked = []
        page.on("request", lambda r: asked.append(r.post_data_json.get("capture"))
                if r.url.endswith("/api/v1/face/challenges") else None)
        page.goto(server.url + "/face/check?purpose=consent")
        page.get_by_test_id("face-start").click()
        page.get_by_test_id("face-fallback").wait_for(state="visible")
        steps = page.locator(".face-fallback-steps li").all_inner_texts()
        page.get_by_test_id("face-upload").click()
        missing = page.get_by_test_id("face-result").inner_text()
        page.get_by_test_id("face-files").set_input_files(files)
        page.get_by_test_id("face-upload").click()
        page.wait_for_selector("[data-face-capture][data-state=passed]", timeout=30000)
        context.close()
        return steps, missing, asked

    steps, missing, asked = support.run_in_browser(face_video, scenario)
    # Without a camera the component asks for a photo challenge (no blink) and names the photos to take.
    assert asked == ["camera", "photos"]
    assert steps == ["Look straight at the camera", "then: A photo with your head turned to your right",
                     "then: A photo with your head turned to your left"]
    assert missing == "Choose the photos first."


def test_failed_decision_is_shown_and_can_be_retried(live, face_video, tmp_path):
    server, app, phone = live
    path = tmp_path / "still.jpg"
    path.write_bytes(P.jpeg(P.camera_frame(*P.FRONTAL)))

    def scenario(browser):
        context, page = _new_page(browser, server, app, phone, refuse_camera=True)
        page.goto(server.url + "/face/check?purpose=check_in")
        page.get_by_test_id("face-start").click()
        page.get_by_test_id("face-files").set_input_files([str(path)] * 4)
        page.get_by_test_id("face-upload").click()
        page.wait_for_selector("[data-face-capture][data-state=failed]")
        reason = page.get_attribute("[data-face-capture]", "data-reason")
        button = page.get_by_test_id("face-start")
        retry = (button.inner_text(), button.is_enabled())
        context.close()
        return reason, retry

    reason, retry = support.run_in_browser(face_video, scenario)
    assert reason == "not_live" and retry == ("Try again", True)
