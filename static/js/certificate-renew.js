// The certificate page renews its QR code and fallback code in place before they expire, so the
// page never reloads (a reload would lose the household's request prompt and tire a screen reader).
(function () {
  "use strict";
  var qr = document.querySelector("[data-renew-url]");
  if (!qr) { return; }
  var code = document.querySelector("[data-testid=fallback-code]");
  var until = document.querySelector("[data-testid=valid-until]");
  var seconds = Math.max(30, parseInt(qr.dataset.renewSeconds, 10) || 60);

  function china(iso) {
    return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }

  function renew() {
    fetch(qr.dataset.renewUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (shown) {
        var parsed = new DOMParser().parseFromString(shown.svg, "image/svg+xml").documentElement;
        qr.replaceChildren(document.importNode(parsed, true));
        code.textContent = shown.fallback_code_display;
        if (until) { until.textContent = china(shown.expires_at); }
      })
      .catch(function () { /* offline: the next tick tries again */ })
      .finally(function () { setTimeout(renew, seconds * 1000); });
  }
  setTimeout(renew, seconds * 1000);
})();
