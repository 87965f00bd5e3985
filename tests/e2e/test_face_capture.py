"""The face-capture component in Chromium, with a fake camera filming real photos.

The camera video is built from real photos of one person: looking straight
(obama.jpg), head turned to his right (obama2.jpg), straight again, head
turned to his left (obama3.jpg), each held 0.3 s and looped by Chromium.
The challenge is fixed to "turn right, then turn left" through the test-only
setting FACE_CHALLENGE_ACTIONS_FOR_TESTS; the component samples every
0.22 s for about 2.6 s, which covers two loops whatever the starting phase.
"""
from __future__ import annotations

import os

import pytest

from registry.core.extensions import db
from registry.face import services
from registry.face.models import FaceCheck
from tests.e2e import face_support as support
from tests.factories import photos as P
from tests.factories.accounts import make_account

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # slow: dlib face recognition in the live app


@pytest.fixture(scope="module")
def live(real_photos, tmp_path_factory):
    if not os.path.exists(support.CHROMIUM):
        pytest.fail(f"{support.CHROMIUM} is missing: install Debian's chromium package")
    app = support.build_app(tmp_path_factory.mktemp("face-live"),
                            FACE_CHALLENGE_ACTIONS_FOR_TESTS=["turn_right", "turn_left"])
    with app.app_context():
        worker = make_account("worker", name="测试工人")
        services.enroll_reference(worker, real_photos["obama3.jpg"], "chip_dg2")
        phone = worker.phone
        db.session.commit()
    with support.LiveServer(app) as server:
        yield server, app, phone


def _new_page(browser, server, app, phone, refuse_camera=False):
    context = browser.new_context(locale="zh-CN", viewport={"width": 414, "height": 860})
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
        page.get_by_test_id("face-start").click()
        page.wait_for_selector("[data-face-capture][data-state=passed]", timeout=60000)
        result = page.get_by_test_id("face-result").inner_text()
        check_id = page.get_attribute("[data-face-capture]", "data-check-id")
        page.wait_for_url("**/api/v1/face/reference?face_check=*")
        context.close()
        return result, check_id, prompts

    result, check_id, prompts = support.run_in_browser(face_video, scenario)
    assert result == "Face verification passed."
    assert "Turn your head slowly to your right" in prompts and "Turn your head slowly to your left" in prompts
    assert prompts.index("Turn your head slowly to your right") < prompts.index("Turn your head slowly to your left")
    with app.app_context():
        check = db.session.get(FaceCheck, int(check_id))
        assert check.passed and check.frame_count == 12 and check.frames is None


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
    assert reason == "no_movement" and retry == ("Try again", True)
