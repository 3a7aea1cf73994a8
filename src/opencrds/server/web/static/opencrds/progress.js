/* Live progress of a submission: #progress_log[data-channel] polls /jpoll/pull_messages/<key>/ and
   appends each message (after data-since); when "done" arrives the page goes to data-done-url (or reloads). */
(function () {
  "use strict";
  function follow(log) {
    var key = log.getAttribute("data-channel"), since = 0, stopped = false;
    var target = log.getAttribute("data-done-url");
    function add(type, text) {
      var item = document.createElement("li");
      item.className = "jpoll-" + type;
      item.textContent = text;
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }
    function poll() {
      if (stopped) return;
      fetch("/jpoll/pull_messages/" + encodeURIComponent(key) + "/?since_id=" + since,
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (messages) {
          if (!Array.isArray(messages)) { add("error", messages.error || "progress not available"); stopped = true; return; }
          messages.forEach(function (m) {
            since = m.id;
            if (m.type === "done") {
              stopped = true;
              var words = {0: "completed", 1: "failed", 3: "cancelled"};
              add("done", "done: " + (words[m.data.status] || ("status " + m.data.status)));
              setTimeout(function () {
                if (target) window.location.assign(target); else window.location.reload();
              }, 600);
            } else {
              add(m.type, (m.type === "log_message" ? "" : m.type + ": ") + m.data);
            }
          });
          if (!stopped) setTimeout(poll, 1000);
        })
        .catch(function () { if (!stopped) setTimeout(poll, 3000); });
    }
    since = parseInt(log.getAttribute("data-since") || "0", 10);
    poll();
  }
  /* The review page's actions need the submitter's lock: when site.js reports it lost, hide them. */
  function lockLost() {
    var actions = document.getElementById("submission_actions");
    if (!actions) return;
    ["confirm_button", "cancel_button", "force_button"].forEach(function (id) {
      var button = document.getElementById(id);
      if (button) { button.hidden = true; button.disabled = true; }
    });
    var note = document.getElementById("lock_lost");
    if (note) note.hidden = false;
  }
  document.addEventListener("opencrds:lock-lost", lockLost);
  /* Force asks first: it ignores the submitter's lock. */
  function forceWarning() {
    var force = document.getElementById("force_button");
    if (!force) return;
    force.addEventListener("click", function (event) {
      if (!window.confirm(force.getAttribute("data-warning"))) event.preventDefault();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    forceWarning();
    var log = document.getElementById("progress_log");
    if (log && log.getAttribute("data-channel")) follow(log);
  });
})();
