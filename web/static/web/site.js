/* The little the pages do in the browser. Everything works without it. */
(function () {
  "use strict";

  // The calendar's current-time line follows the clock between page loads.
  function placeNowLines() {
    document.querySelectorAll("[data-now-line]").forEach(function (line) {
      var start = Number(line.dataset.start), end = Number(line.dataset.end);
      var now = Date.now();
      if (now < start || now >= end) { line.hidden = true; return; }
      line.hidden = false;
      line.style.top = (100 * (now - start) / (end - start)).toFixed(3) + "%";
    });
  }

  // A select marked data-autosubmit submits its form when changed (the form keeps its button).
  function autosubmit(event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  }

  document.addEventListener("change", autosubmit);
  document.addEventListener("DOMContentLoaded", function () {
    placeNowLines();
    window.setInterval(placeNowLines, 60000);
  });
})();
