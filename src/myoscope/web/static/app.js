// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Preselect the browser's time zone on forms that still show the default (UTC).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    document.querySelectorAll("select[data-guess-timezone]").forEach(function (select) {
      if (select.value === "UTC" && zone) {
        for (var i = 0; i < select.options.length; i++) {
          if (select.options[i].value === zone) { select.value = zone; break; }
        }
      }
    });
  } catch (e) { /* older browsers: keep UTC */ }
  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
