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

  // A calendar taller than its box opens at the current time, else at its first visit.
  function scrollCalendars() {
    document.querySelectorAll(".calendar").forEach(function (calendar) {
      var mark = calendar.querySelector("[data-now-line]:not([hidden])") || calendar.querySelector(".cal-col .block");
      var head = calendar.querySelector(".cal-head");
      if (!mark) { return; }
      var offset = mark.getBoundingClientRect().top - calendar.getBoundingClientRect().top;
      calendar.scrollTop = Math.max(0, offset - (head ? head.offsetHeight : 0) - 24);
    });
  }

  // A select marked data-autosubmit submits its form when changed (the form keeps its button).
  function autosubmit(event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  }

  // A form being sent says so on its button (and to screen readers), and a second press does not
  // send it again (a booking twice, a second code). The button is not disabled: a disabled
  // submitter would drop its own name and value (the time a slot button carries) from the post.
  function busy(event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("form") || form.hasAttribute("hx-post")) { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
    if (!button) { return; }
    button.setAttribute("aria-disabled", "true");
    button.classList.add("is-busy");
    var note = document.createElement("span");
    note.className = "busy-note";
    note.setAttribute("role", "status");
    note.textContent = document.body.getAttribute("data-busy-text") || "";
    button.appendChild(note);
  }

  // Coming back to a page from the browser's cache: its forms may be sent again.
  function ready(event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) { form.removeAttribute("aria-busy"); });
    document.querySelectorAll(".is-busy").forEach(function (button) {
      button.classList.remove("is-busy");
      button.removeAttribute("aria-disabled");
      button.querySelectorAll(".busy-note").forEach(function (note) { note.remove(); });
    });
  }

  document.addEventListener("submit", busy);
  window.addEventListener("pageshow", ready);
  document.addEventListener("change", autosubmit);
  document.addEventListener("DOMContentLoaded", function () {
    placeNowLines();
    scrollCalendars();
    window.setInterval(placeNowLines, 60000);
  });
})();
