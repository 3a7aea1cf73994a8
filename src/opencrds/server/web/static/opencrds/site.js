/* OpenCRDS pages: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  /* The instrument lock countdown in the page chrome, re-read from /lock_status/<user>/ every 5 s. */
  function lockCountdown() {
    var who = document.getElementById("logged_in_user");
    var clock = document.getElementById("lock_time_remaining");
    if (!who || !clock) return;
    var seconds = parseInt(clock.getAttribute("data-seconds") || "0", 10);
    function show() {
      var s = Math.max(0, seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      clock.textContent = h + ":" + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
    }
    function parse(text) {
      var parts = String(text || "0:0:0").split(":").map(Number);
      return parts.length === 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : 0;
    }
    setInterval(function () { seconds -= 1; show(); }, 1000);
    setInterval(function () {
      fetch("/lock_status/" + encodeURIComponent(who.getAttribute("data-user")) + "/", {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (status) {
          if (status.status === "ok") { seconds = parse(status.time_remaining); show(); }
          else { clock.textContent = "LOCK LOST"; document.dispatchEvent(new CustomEvent("opencrds:lock-lost")); }
        })
        .catch(function () {});
    }, 5000);
  }

  /* Forms with data-confirm ask first (logout: unconfirmed submissions are cancelled). */
  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  /* table.data: sortable columns (buttons in the headers) and a filter box. */
  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-sort") || cell.textContent.trim()) : "";
  }
  function enhanceTable(table) {
    var head = table.tHead, body = table.tBodies[0];
    if (!head || !body) return;
    var headers = head.rows[head.rows.length - 1].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      if (th.hasAttribute("data-nosort")) return;
      var button = document.createElement("button");
      button.type = "button"; button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var nx = parseFloat(x), ny = parseFloat(y);
          var order = (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) ? nx - ny : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
    if (body.rows.length > 10 && !table.hasAttribute("data-nofilter")) {
      var tools = document.createElement("div");
      tools.className = "table-tools";
      var label = document.createElement("label");
      label.textContent = "Search ";
      var input = document.createElement("input");
      input.type = "search";
      label.appendChild(input);
      var count = document.createElement("span");
      count.setAttribute("aria-live", "polite");
      tools.appendChild(label); tools.appendChild(count);
      table.parentNode.insertBefore(tools, table);
      input.addEventListener("input", function () {
        var needle = input.value.toLowerCase(), shown = 0;
        Array.prototype.forEach.call(body.rows, function (row) {
          var match = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0;
          row.hidden = !match; if (match) shown += 1;
        });
        count.textContent = needle ? ("Showing " + shown + " of " + body.rows.length + " entries") : "";
      });
    }
  }

  /* Checkboxes named "file" in a form.diff-select: at most two, then GET /difference/. */
  function diffSelection() {
    document.querySelectorAll("form.diff-select").forEach(function (form) {
      form.addEventListener("change", function () {
        var checked = form.querySelectorAll("input[type=checkbox][name=file]:checked");
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = checked.length !== 2; });
      });
    });
  }

  /* "Toggle N/A" checkboxes hide the rows marked .na-row inside their target. */
  function naToggles() {
    document.querySelectorAll("input[data-toggle-na]").forEach(function (box) {
      box.addEventListener("change", function () {
        var target = document.getElementById(box.getAttribute("data-toggle-na"));
        if (!target) return;
        target.querySelectorAll(".na-row").forEach(function (row) { row.hidden = box.checked; });
      });
    });
  }

  window.OpenCRDS = {enhanceTable: enhanceTable};
  document.addEventListener("DOMContentLoaded", function () {
    lockCountdown(); confirmations(); diffSelection(); naToggles();
    document.querySelectorAll("table.data").forEach(enhanceTable);
  });
})();
