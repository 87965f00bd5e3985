/*
 * QR scanner component (扫码): films with the back camera and decodes frames
 * until a QR code reads, then fills the form's token field and submits it as
 * an ordinary POST, so the server renders the result page. Without a camera it
 * decodes an uploaded photo in the browser, and the code printed under the QR
 * can always be typed instead. Mounts on every [data-qr-scanner] element; see
 * registry/templates/qr/_scanner.html for the markup and options.
 *
 * Decoding uses the browser's BarcodeDetector where it exists (Android,
 * ChromeOS, macOS), else the vendored jsQR, loaded only when first needed
 * because it is 250 KB and most phones never need it.
 */
(function () {
  "use strict";
  if (window.QRScanner) { return; }

  // About 8 attempts a second: quick enough to feel instant, light enough
  // that a low-end phone stays responsive and the battery is spared.
  var FRAME_INTERVAL_MS = 120;
  // jsQR's time grows with pixels; a token QR still has 4+ pixels per module
  // at 640 px, while a 12-megapixel photo would take seconds.
  var FRAME_MAX_SIDE = 640;
  var PHOTO_SIDES = [1024, 2048];
  var MAX_TEXT_LENGTH = 2048;

  var jsQRLoading = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function loadJsQR(url) {
    if (window.jsQR) { return Promise.resolve(window.jsQR); }
    if (!jsQRLoading) {
      jsQRLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.onload = function () { resolve(window.jsQR); };
        script.onerror = function () { jsQRLoading = null; reject(new Error("jsQR failed to load")); };
        document.head.appendChild(script);
      });
    }
    return jsQRLoading;
  }

  /* One decoder for camera frames and photos: decode(source, w, h, thorough) -> text or null. */
  function makeDecoder(jsQRUrl) {
    var canvas = document.createElement("canvas");
    var context = null;
    function withJsQR(jsQR) {
      return {
        name: "jsqr",
        decode: function (source, width, height, thorough) {
          if (canvas.width !== width || canvas.height !== height) {
            canvas.width = width;
            canvas.height = height;
            context = canvas.getContext("2d", { willReadFrequently: true });
          }
          context.drawImage(source, 0, 0, width, height);
          var pixels = context.getImageData(0, 0, width, height);
          // Printed and on-screen codes are dark on light; trying the inverse
          // too doubles the cost, so only photos (one-off) get it.
          var found = jsQR(pixels.data, width, height,
                           { inversionAttempts: thorough ? "attemptBoth" : "dontInvert" });
          return Promise.resolve(found ? found.data : null);
        }
      };
    }
    var useNative = "BarcodeDetector" in window && !window.QR_SCANNER_FORCE_JSQR;
    var native = useNative
      ? Promise.resolve(window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats()
                                                                   : ["qr_code"])
          .then(function (formats) {
            if (formats.indexOf("qr_code") < 0) { return null; }
            var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
            return {
              name: "barcode-detector",
              decode: function (source) {
                return detector.detect(source).then(function (codes) {
                  return codes.length ? codes[0].rawValue : null;
                });
              }
            };
          })
          .catch(function () { return null; })
      : Promise.resolve(null);
    return native.then(function (decoder) { return decoder || loadJsQR(jsQRUrl).then(withJsQR); });
  }

  function fit(width, height, maxSide) {
    var ratio = Math.min(1, maxSide / Math.max(width, height));
    return { width: Math.round(width * ratio), height: Math.round(height * ratio) };
  }

  function QRScanner(root) {
    this.root = root;
    this.text = JSON.parse(root.querySelector(".qr-text").textContent);
    this.form = root.querySelector(".qr-form");
    this.tokenInput = root.querySelector(".qr-token");
    this.codeInput = root.querySelector(".qr-code");
    this.sourceInput = root.querySelector(".qr-source");
    this.video = root.querySelector(".qr-video");
    this.stage = root.querySelector(".qr-stage");
    this.prompt = root.querySelector(".qr-prompt");
    this.startButton = root.querySelector(".qr-start");
    this.fileInput = root.querySelector(".qr-file");
    this.pattern = root.dataset.pattern ? new RegExp(root.dataset.pattern) : null;
    this.stream = null;
    this.timer = null;
    this.done = false;
    this.decoder = null;
    var self = this;
    this.startButton.addEventListener("click", function () { self.start(); });
    this.fileInput.addEventListener("change", function () { self.decodePhoto(); });
    this.form.addEventListener("submit", function () { self.prepareManualSubmit(); });
    // A camera left running in a background tab is a privacy alarm on phones.
    document.addEventListener("visibilitychange", function () { if (document.hidden) { self.stop(); } });
    window.addEventListener("pagehide", function () { self.stop(); });
    if (root.dataset.autostart) { this.start(); }
  }

  QRScanner.prototype.say = function (message, state) {
    this.prompt.textContent = message || "";
    this.root.setAttribute("data-state", state || "");
  };

  QRScanner.prototype.getDecoder = function () {
    var self = this;
    if (!this.decoder) {
      this.decoder = makeDecoder(this.root.dataset.jsqrUrl).then(function (decoder) {
        self.root.setAttribute("data-decoder", decoder.name);
        return decoder;
      });
    }
    return this.decoder;
  };

  QRScanner.prototype.start = function () {
    var self = this;
    if (this.stream || this.done) { return Promise.resolve(); }
    // getUserMedia only exists on HTTPS (and localhost) pages.
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.say(this.text.camera_unavailable, "no-camera");
      return Promise.resolve();
    }
    this.startButton.disabled = true;
    this.say(this.text.starting, "starting");
    return navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (stream) {
      self.stream = stream;
      self.video.srcObject = stream;
      self.stage.hidden = false;
      return self.video.play();
    }).then(function () {
      return self.getDecoder();
    }).then(function () {
      self.say(self.text.aim, "scanning");
      self.scanLoop();
    }).catch(function () {
      self.stop();
      self.say(self.text.camera_unavailable, "no-camera");
    });
  };

  QRScanner.prototype.stop = function () {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.stream) {
      this.stream.getTracks().forEach(function (track) { track.stop(); });
      this.stream = null;
    }
    this.video.srcObject = null;
    this.stage.hidden = true;
    this.startButton.disabled = this.done;
  };

  QRScanner.prototype.scanLoop = function () {
    var self = this;
    if (!this.stream || this.done) { return; }
    var next = function () { self.timer = setTimeout(function () { self.scanLoop(); }, FRAME_INTERVAL_MS); };
    if (this.video.readyState < 2 || !this.video.videoWidth) { next(); return; }
    var size = fit(this.video.videoWidth, this.video.videoHeight, FRAME_MAX_SIDE);
    this.getDecoder()
      .then(function (decoder) { return decoder.decode(self.video, size.width, size.height, false); })
      .then(function (text) { if (!text || !self.accept(text, "camera")) { next(); } },
            function () { next(); });
  };

  QRScanner.prototype.decodePhoto = function () {
    var self = this;
    var file = this.fileInput.files && this.fileInput.files[0];
    if (!file || this.done) { return Promise.resolve(); }
    this.say(this.text.reading_photo, "reading");
    return Promise.all([createImageBitmap(file), this.getDecoder()]).then(function (loaded) {
      var bitmap = loaded[0], decoder = loaded[1];
      // Small first (fast, and enough for most photos), larger only if that fails.
      var attempt = function (index) {
        if (index >= PHOTO_SIDES.length) { return null; }
        var size = fit(bitmap.width, bitmap.height, PHOTO_SIDES[index]);
        return decoder.decode(bitmap, size.width, size.height, true).then(function (text) {
          if (text) { return text; }
          var larger = Math.max(bitmap.width, bitmap.height) > PHOTO_SIDES[index];
          return larger ? attempt(index + 1) : null;
        });
      };
      return attempt(0);
    }).then(function (text) {
      if (!text) { self.say(self.text.photo_not_found, "not-found"); return; }
      self.accept(text, "photo");
    }).catch(function () {
      self.say(self.text.photo_not_found, "not-found");
    }).then(function () { self.fileInput.value = ""; });
  };

  /* A decoded text: check it, then hand it over. Returns false to keep scanning. */
  QRScanner.prototype.accept = function (text, source) {
    var value = text;
    if (this.pattern) {
      var match = this.pattern.exec(text);
      value = match ? (match[1] || match[0]) : null;
    }
    if (!value || value.length > MAX_TEXT_LENGTH) {
      this.say(this.text.wrong_code, "wrong-code");
      return false;
    }
    this.done = true;
    this.stop();
    this.say(this.text.found, "found");
    var detail = { text: value, source: source };
    var callbackName = this.root.dataset.onDecode;
    var event = new CustomEvent("qr:decoded", { detail: detail, bubbles: true, cancelable: true });
    var proceed = this.root.dispatchEvent(event);
    if (callbackName && typeof window[callbackName] === "function") {
      window[callbackName](value, source, this);
    } else if (proceed) {
      this.submitToken(value, source);
    }
    return true;
  };

  /* Let the scanner scan again, e.g. after a callback found the token unusable. */
  QRScanner.prototype.reset = function () {
    this.done = false;
    this.startButton.disabled = false;
    this.say("", "");
  };

  QRScanner.prototype.fillCsrf = function () {
    var field = this.form.querySelector('input[name="csrf_token"]');
    var token = csrfToken();
    if (field && token) { field.value = token; }
  };

  QRScanner.prototype.submitToken = function (value, source) {
    this.tokenInput.disabled = false;
    this.tokenInput.value = value;
    // The server gets either a token or a typed code, never both.
    this.codeInput.disabled = true;
    this.sourceInput.value = source;
    this.fillCsrf();
    // form.submit() skips the submit event and the `required` check on the
    // code field, which is what a decoded token needs.
    this.form.submit();
  };

  QRScanner.prototype.prepareManualSubmit = function () {
    this.stop();
    this.tokenInput.disabled = true;
    this.sourceInput.value = "manual";
    this.fillCsrf();
  };

  function mountAll() {
    var roots = document.querySelectorAll("[data-qr-scanner]");
    for (var i = 0; i < roots.length; i++) {
      if (!roots[i].qrScanner) { roots[i].qrScanner = new QRScanner(roots[i]); }
    }
  }

  window.QRScanner = QRScanner;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
