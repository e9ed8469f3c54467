// Progressive enhancement: follow the analysis of recordings that are queued or running.
// Every element with data-recording-status (the URL of its JSON status) and a state of
// queued or running is polled every 2 s; its text and progress bar follow, and the page
// reloads once the analysis has finished (to show the results). No external script.
(function () {
  "use strict";
  var waiting = Array.prototype.slice.call(
    document.querySelectorAll("[data-recording-status]")
  ).filter(function (el) {
    var state = el.getAttribute("data-recording-state");
    return state === "queued" || state === "running";
  });
  if (!waiting.length || !window.fetch) { return; }
  function poll() {
    var pending = waiting.map(function (el) {
      return fetch(el.getAttribute("data-recording-status"), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      }).then(function (status) {
        var text = el.querySelector("[data-status-text]");
        if (text) { text.textContent = status.status_text; }
        var bar = el.querySelector("progress");
        if (bar) {
          bar.value = status.progress;
          bar.textContent = Math.round(status.progress * 100) + " %";
        }
        el.setAttribute("data-recording-state", status.status);
        return status.status === "done" || status.status === "failed";
      });
    });
    Promise.all(pending).then(function (finished) {
      if (finished.some(Boolean)) { window.location.reload(); } else { setTimeout(poll, 2000); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
