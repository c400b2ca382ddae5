// The visit page's poll: tells the server this person is still here and reloads the page when
// what it shows has changed (the clinician started, the window opened or closed).
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-status-url");
  var seconds = parseInt(body.getAttribute("data-poll-seconds"), 10) || 10;
  var current = body.getAttribute("data-version");
  if (!url) { return; }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200) {
        var data = JSON.parse(request.responseText);
        if (data.version !== current) { window.location.reload(); return; }
        seconds = data.poll_seconds || seconds;
      } else if (request.status === 404) {
        window.location.reload();
        return;
      }
      window.setTimeout(poll, seconds * 1000);
    };
    request.onerror = function () { window.setTimeout(poll, seconds * 1000); };
    request.send();
  }

  poll();
}());
