// Shows a worker the households waiting for an answer, without a page reload: polls the pending
// requests every few seconds; "approve by face" opens the one-step approval, "decline" is one tap.
(function () {
  "use strict";
  var POLL_MS = 3000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function mount(root) {
    var text = JSON.parse(root.querySelector(".prompt-text").textContent);
    var list = root.querySelector(".prompt-list");
    var badge = root.querySelector("[data-testid=request-badge]");
    var csrf = document.querySelector("meta[name=csrf-token]").content;
    root.querySelector(".prompt-title").textContent = text.title;

    function render(requests) {
      root.hidden = requests.length === 0;
      badge.textContent = String(requests.length);
      list.textContent = "";
      requests.forEach(function (item) {
        var row = document.createElement("li");
        row.dataset.testid = "prompt-request-" + item.id;
        var words = document.createElement("p");
        words.textContent = fill(text.asks, { name: item.consumer_name }) +
          (item.times_asked_before ? " " + fill(text.before, { count: item.times_asked_before }) : "");
        var approve = document.createElement("a");
        approve.className = "button primary";
        approve.href = root.dataset.approveUrl.replace("/0/", "/" + item.id + "/");
        approve.textContent = text.approve;
        approve.dataset.testid = "prompt-approve-" + item.id;
        var decline = document.createElement("button");
        decline.type = "button";
        decline.className = "secondary";
        decline.textContent = text.decline;
        decline.dataset.testid = "prompt-decline-" + item.id;
        decline.addEventListener("click", function () {
          decline.disabled = true;
          fetch(root.dataset.declineUrl.replace("/0/", "/" + item.id + "/"), {
            method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf },
          }).then(function () { words.textContent = text.declined; approve.remove(); decline.remove(); });
        });
        row.append(words, approve, decline);
        list.append(row);
      });
    }

    function poll() {
      fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(render, function () { /* offline: try again at the next tick */ })
        .finally(function () { setTimeout(poll, POLL_MS); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-request-prompt]").forEach(mount);
  });
})();
