/*
 * Face capture component (人脸核验): asks the server for a challenge and runs
 * its plan: a continuous capture of a few seconds in which the screen flashes
 * the plan's colours full-screen (the light the face reflects is checked on
 * the server) and prompts each action in its window, one frame every
 * frame_interval_ms with its capture time; then uploads the frames and shows
 * the decision. People who ask for reduced motion (or tick "no flashing") get
 * the steady kind: no colours, more actions. Where the platform allows it,
 * a missing camera falls back to uploading photos. Mounts on every
 * [data-face-capture] element; see registry/face/templates/face/_capture.html.
 */
(function () {
  "use strict";
  if (window.FaceCapture) { return; }

  // Frames are small: the face check needs about 100 px of face, and 40-60 frames must upload quickly.
  var MAX_SIDE = 360;
  var NO_FLASH_KEY = "face-no-flash";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function FaceCapture(root) {
    this.root = root;
    this.text = JSON.parse(root.querySelector(".face-text").textContent);
    this.video = root.querySelector(".face-video");
    this.prompt = root.querySelector(".face-prompt");
    this.result = root.querySelector(".face-result");
    this.startButton = root.querySelector(".face-start");
    this.fallback = root.querySelector(".face-fallback");
    this.stage = root.querySelector(".face-stage");
    this.steadyBox = root.querySelector(".face-steady");
    this.challenge = null;
    this.stream = null;
    var self = this;
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var stored = null;
    try { stored = window.localStorage.getItem(NO_FLASH_KEY); } catch (e) { stored = null; }
    this.steadyBox.checked = stored === null ? reduced : stored === "1";
    this.steadyBox.addEventListener("change", function () {
      try { window.localStorage.setItem(NO_FLASH_KEY, self.steadyBox.checked ? "1" : "0"); } catch (e) { /* private mode */ }
    });
    this.startButton.addEventListener("click", function () { self.start(); });
    root.querySelector(".face-upload").addEventListener("click", function () { self.uploadFiles(); });
  }

  FaceCapture.prototype.say = function (message, state) {
    this.result.textContent = message || "";
    this.root.setAttribute("data-state", state || "");
  };

  FaceCapture.prototype.post = function (url, body, isJson) {
    var headers = { "X-CSRFToken": csrfToken(), "Accept": "application/json" };
    if (isJson) { headers["Content-Type"] = "application/json"; }
    return fetch(url, { method: "POST", headers: headers, credentials: "same-origin",
                        body: isJson ? JSON.stringify(body) : body })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
      });
  };

  FaceCapture.prototype.askChallenge = function (capture) {
    var self = this;
    var body = { purpose: this.root.dataset.purpose, capture: capture, flash: !this.steadyBox.checked };
    return this.post(this.root.dataset.challengesUrl, body, true).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.data.message || self.text.network); }
      self.challenge = answer.data;
    });
  };

  FaceCapture.prototype.start = function () {
    var self = this;
    this.startButton.disabled = true;
    this.fallback.hidden = true;
    this.say(this.text.starting, "starting");
    // The camera challenge comes first (a refusal such as "no reference yet" is said before any
    // camera prompt); without a camera it is left to expire and a photo challenge is asked for.
    return this.askChallenge("camera")
      .then(function () { return self.openCamera(); })
      .then(function (opened) {
        if (!opened) {
          if (!self.root.dataset.photoCapture) { throw new Error(self.text.camera_needed); }
          return self.askChallenge("photos").then(function () { self.showFallback(); return null; });
        }
        return self.record().then(function (capture) { return self.upload(capture.frames, capture.times); });
      })
      .catch(function (error) {
        self.say(error.message || self.text.network, "error");
        self.startButton.disabled = false;
        self.startButton.textContent = self.text.retry;
      });
  };

  FaceCapture.prototype.openCamera = function () {
    var self = this;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return Promise.resolve(false); }
    var constraints = { audio: false, video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } } };
    return navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
      self.stream = stream;
      self.video.srcObject = stream;
      return new Promise(function (resolve) {
        if (self.video.readyState >= 2) { resolve(true); return; }
        self.video.addEventListener("loadeddata", function () { resolve(true); }, { once: true });
      }).then(function () { return self.video.play().catch(function () {}); }).then(function () { return true; });
    }, function () { return false; });
  };

  FaceCapture.prototype.closeCamera = function () {
    if (this.stream) { this.stream.getTracks().forEach(function (track) { track.stop(); }); }
    this.stream = null;
    this.video.srcObject = null;
  };

  FaceCapture.prototype.grab = function (canvas) {
    var video = this.video;
    var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    // The camera's own view, not the mirrored preview: the server's idea of
    // "left" is the person's left seen from the camera.
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.9); });
  };

  // What the plan asks at t ms: the colour to show (null: none) and the prompt.
  FaceCapture.prototype.at = function (t) {
    var plan = this.challenge.plan;
    var colour = null;
    var prompt = this.text.look;
    var action = "";
    plan.flash.forEach(function (segment) { if (t >= segment.start_ms && t < segment.end_ms) { colour = segment.colour; } });
    var prompts = {};
    this.challenge.actions.forEach(function (a) { prompts[a.code] = a.prompt; });
    plan.windows.forEach(function (w) { if (t >= w.start_ms && t < w.end_ms) { prompt = prompts[w.action]; action = w.action; } });
    return { colour: colour, prompt: prompt, action: action };
  };

  FaceCapture.prototype.show = function (now) {
    if (now.colour) {
      this.root.classList.add("face-flashing");
      this.stage.style.setProperty("--flash", now.colour);
    }
    this.stage.setAttribute("data-flash-colour", now.colour || "");
    this.stage.setAttribute("data-action", now.action);
    if (this.prompt.textContent !== now.prompt) { this.prompt.textContent = now.prompt; }
  };

  FaceCapture.prototype.record = async function () {
    var canvas = document.createElement("canvas");
    var plan = this.challenge.plan;
    var frames = [], times = [];
    var self = this;
    var limit = this.challenge.max_frames || 80;
    this.root.setAttribute("data-state", "recording");
    this.show(this.at(0));
    var start = performance.now();
    // The screen follows the plan frame by frame of the display, the capture every frame_interval_ms.
    var painting = true;
    (function paint() {
      if (!painting) { return; }
      self.show(self.at(performance.now() - start));
      window.requestAnimationFrame(paint);
    })();
    var next = 0;
    while (frames.length < limit) {
      var t = performance.now() - start;
      if (t > plan.total_ms + plan.frame_interval_ms) { break; }
      if (t >= next) {
        times.push(Math.round(t * 10) / 10);
        frames.push(await this.grab(canvas));
        next += plan.frame_interval_ms;
      }
      await sleep(Math.max(0, Math.min(10, next - (performance.now() - start))));
    }
    painting = false;
    this.root.classList.remove("face-flashing");
    this.stage.removeAttribute("data-flash-colour");
    this.stage.removeAttribute("data-action");
    this.prompt.textContent = "";
    this.closeCamera();
    return { frames: frames, times: times };
  };

  FaceCapture.prototype.showFallback = function () {
    var list = this.root.querySelector(".face-fallback-steps");
    var self = this;
    list.innerHTML = "";
    this.root.querySelector(".face-fallback-text").textContent = this.text.camera_refused;
    var first = document.createElement("li");
    first.textContent = this.text.look;
    list.appendChild(first);
    this.challenge.actions.forEach(function (action) {
      var item = document.createElement("li");
      item.textContent = self.text.fallback_step.replace("{action}", action.photo_prompt || action.prompt);
      list.appendChild(item);
    });
    // As many photos as the check needs: a last straight one when there are few actions.
    while (list.children.length < (this.challenge.min_frames || 0)) {
      var again = document.createElement("li");
      again.textContent = self.text.fallback_step.replace("{action}", this.text.look);
      list.appendChild(again);
    }
    this.fallback.hidden = false;
    this.say("", "fallback");
  };

  FaceCapture.prototype.uploadFiles = function () {
    var files = Array.prototype.slice.call(this.root.querySelector(".face-files").files || []);
    if (!files.length) { this.say(this.text.choose_files, "error"); return Promise.resolve(); }
    return this.upload(files, null);
  };

  FaceCapture.prototype.upload = function (frames, times) {
    var self = this;
    var form = new FormData();
    form.append("challenge_id", this.challenge.id);
    frames.forEach(function (frame, index) {
      form.append("frames", frame, frame.name || ("frame-" + String(index + 1).padStart(2, "0") + ".jpg"));
    });
    if (times) { form.append("times", times.join(",")); }
    this.say(this.text.uploading, "uploading");
    return this.post(this.root.dataset.checksUrl, form, false).then(function (answer) {
      var data = answer.data || {};
      if (answer.ok && data.passed) {
        self.fallback.hidden = true;
        self.say(data.message || self.text.passed, "passed");
        self.root.setAttribute("data-check-id", data.id);
        self.finish(data);
        return;
      }
      // A failed decision or a refusal: the challenge is spent, start over.
      self.say(data.message || self.text.network, "failed");
      self.root.setAttribute("data-reason", data.reason || data.code || "");
      self.startButton.disabled = false;
      self.startButton.textContent = self.text.retry;
      self.fallback.hidden = true;
    }, function () {
      self.say(self.text.network, "error");
      self.startButton.disabled = false;
    });
  };

  FaceCapture.prototype.finish = function (check) {
    var detail = { checkId: check.id, purpose: check.purpose };
    this.root.dispatchEvent(new CustomEvent("face:passed", { detail: detail, bubbles: true }));
    var callback = this.root.dataset.onSuccess;
    if (callback && typeof window[callback] === "function") { window[callback](detail); }
    var target = this.root.dataset.successUrl;
    if (target) {
      var url = new URL(target, window.location.href);
      url.searchParams.set("face_check", String(check.id));
      setTimeout(function () { window.location.assign(url.toString()); }, 800);
    }
  };

  function mountAll() {
    document.querySelectorAll("[data-face-capture]").forEach(function (root) {
      if (!root.faceCapture) { root.faceCapture = new FaceCapture(root); }
    });
  }

  window.FaceCapture = { mountAll: mountAll, Component: FaceCapture };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mountAll); }
  else { mountAll(); }
})();
