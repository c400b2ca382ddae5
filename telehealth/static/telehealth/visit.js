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

// The camera and microphone check before joining: a preview of the camera and a level bar for
// the microphone, on this device only (nothing is sent). The tracks are stopped when the patient
// stops the test, joins or leaves the page, so the video room can have the camera.
(function () {
  "use strict";
  var box = document.querySelector("[data-device-check]");
  if (!box) { return; }
  var video = box.querySelector("[data-device-video]");
  var levelRow = box.querySelector("[data-device-level-row]");
  var meter = box.querySelector("[data-device-level]");
  var status = box.querySelector("[data-device-status]");
  var toggle = box.querySelector("[data-device-toggle]");
  var stream = null, audio = null, frame = 0;

  function say(key) { status.textContent = box.getAttribute("data-say-" + key); box.setAttribute("data-device-state", key); }

  function stop() {
    if (frame) { window.cancelAnimationFrame(frame); frame = 0; }
    if (audio) { audio.close(); audio = null; }
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
    video.srcObject = null;
    video.hidden = true;
    levelRow.hidden = true;
    toggle.textContent = box.getAttribute("data-say-start");
  }

  function listen(source) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context || source.getAudioTracks().length === 0) { return; }
    audio = new Context();
    var analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    audio.createMediaStreamSource(source).connect(analyser);
    var samples = new Uint8Array(analyser.fftSize);
    levelRow.hidden = false;
    (function draw() {
      analyser.getByteTimeDomainData(samples);
      var peak = 0;
      for (var i = 0; i < samples.length; i += 1) { peak = Math.max(peak, Math.abs(samples[i] - 128) / 128); }
      meter.value = peak;
      frame = window.requestAnimationFrame(draw);
    }());
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("unsupported"); return; }
    say("asking");
    toggle.disabled = true;
    navigator.mediaDevices.getUserMedia({video: true, audio: true}).then(function (source) {
      stream = source;
      video.srcObject = source;
      video.hidden = false;
      listen(source);
      toggle.textContent = box.getAttribute("data-say-stop");
      say("ok");
    }).catch(function (error) {
      stop();
      var name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError") { say("blocked"); }
      else if (name === "NotFoundError" || name === "OverconstrainedError") { say("missing"); }
      else if (name === "NotReadableError" || name === "AbortError") { say("busy"); }
      else { say("unsupported"); }
    }).then(function () { toggle.disabled = false; });
  }

  toggle.addEventListener("click", function () { if (stream) { stop(); status.textContent = ""; } else { start(); } });
  document.querySelectorAll("form[data-join]").forEach(function (form) { form.addEventListener("submit", stop); });
  window.addEventListener("pagehide", stop);
  box.hidden = false;
  toggle.hidden = false;
}());

// A form being sent (the identity check, "Join") shows it on its button, and a second tap does
// not send it again.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    var button = event.submitter || form.querySelector("button");
    if (button) { button.setAttribute("aria-disabled", "true"); button.classList.add("is-busy"); }
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) { form.removeAttribute("aria-busy"); });
    document.querySelectorAll(".is-busy").forEach(function (button) {
      button.classList.remove("is-busy");
      button.removeAttribute("aria-disabled");
    });
  });
}());
