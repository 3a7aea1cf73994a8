/* The upload manager of the submission forms (SERVER.md §1.12): queue files by drag and drop or the
   file chooser, "Start upload" sends each through POST /upload/chunked/ in 2 MB chunks with a
   Content-Range, per-file progress; the list of the upload area comes from GET /upload/list/, and
   each row's delete button GETs its deleteUrl. Without this script the form posts to /upload/new/. */
(function () {
  "use strict";
  var CHUNK = 2 * 1024 * 1024;

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }
  function sizeText(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function UploadManager(root) {
    this.root = root;
    this.form = root.querySelector("#upload_form");
    this.input = root.querySelector("#upload_files");
    this.zone = root.querySelector("#upload_dropzone");
    this.body = root.querySelector("#upload_list tbody");
    this.status = root.querySelector("#upload_status");
    this.queue = [];
    this.busy = false;
    this.bind();
  }

  UploadManager.prototype.say = function (text, bad) {
    this.status.textContent = text;
    this.status.className = bad ? "error_message" : "";
  };

  UploadManager.prototype.row = function (name) {
    var rows = this.body.querySelectorAll("tr[data-name]");
    for (var i = 0; i < rows.length; i++) if (rows[i].getAttribute("data-name") === name) return rows[i];
    var empty = this.body.querySelector("tr.empty");
    if (empty) empty.remove();
    var tr = el("tr", {"data-name": name});
    tr.appendChild(el("td", {"class": "name"}, name));
    tr.appendChild(el("td", {"class": "size"}, ""));
    tr.appendChild(el("td", {"class": "state"}, ""));
    tr.appendChild(el("td", {"class": "act"}, ""));
    this.body.appendChild(tr);
    return tr;
  };

  UploadManager.prototype.showRow = function (tr, size, state, cls) {
    tr.className = cls;
    tr.cells[1].textContent = size === null ? "" : sizeText(size);
    tr.cells[2].textContent = "";
    if (state instanceof Node) tr.cells[2].appendChild(state); else tr.cells[2].textContent = state;
  };

  UploadManager.prototype.deleteButton = function (tr, url) {
    var self = this, button = el("button", {"type": "button", "class": "delete-upload secondary",
      "data-url": url, "aria-label": "Delete " + tr.getAttribute("data-name")}, "Delete");
    tr.cells[3].textContent = "";
    tr.cells[3].appendChild(button);
    button.addEventListener("click", function () { self.remove(url, tr.getAttribute("data-name")); });
  };

  UploadManager.prototype.add = function (files) {
    var self = this;
    Array.prototype.forEach.call(files, function (file) {
      self.queue = self.queue.filter(function (f) { return f.name !== file.name; });
      self.queue.push(file);
      var tr = self.row(file.name);
      self.showRow(tr, file.size, "queued: press Start upload", "queued");
      tr.cells[3].textContent = "";
    });
    this.say(this.queue.length + " file(s) queued.");
  };

  UploadManager.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("change", function () { self.add(self.input.files); });
    ["dragenter", "dragover"].forEach(function (type) {
      self.zone.addEventListener(type, function (e) { e.preventDefault(); self.zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      self.zone.addEventListener(type, function (e) { e.preventDefault(); self.zone.classList.remove("over"); });
    });
    this.zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) self.add(e.dataTransfer.files);
    });
    this.form.addEventListener("submit", function (e) { e.preventDefault(); self.start(); });
    this.body.querySelectorAll(".delete-upload").forEach(function (link) {
      link.addEventListener("click", function (e) {
        e.preventDefault();
        self.remove(link.getAttribute("href") || link.getAttribute("data-url"),
                    link.closest("tr").getAttribute("data-name"));
      });
    });
  };

  /* One chunk: resolves with the server's answer for the file, rejects with a message. */
  UploadManager.prototype.sendChunk = function (file, start, onProgress) {
    var end = Math.min(start + CHUNK, file.size);
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", cookie("csrftoken"));
      data.append("files", file.slice(start, end), file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/upload/chunked/");
      xhr.setRequestHeader("X-CSRFToken", cookie("csrftoken"));
      if (file.size > 0) xhr.setRequestHeader("Content-Range", "bytes " + start + "-" + (end - 1) + "/" + file.size);
      xhr.upload.addEventListener("progress", function (e) { onProgress(start + e.loaded); });
      xhr.onload = function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = null; }
        var item = answer && answer.files && answer.files[0];
        if (xhr.status === 200 && item && !item.error) resolve({item: item, end: end});
        else reject((item && item.error) || (answer && answer.error) || ("upload refused (HTTP " + xhr.status + ")"));
      };
      xhr.onerror = function () { reject("the connection failed"); };
      xhr.send(data);
    });
  };

  UploadManager.prototype.upload = function (file) {
    var self = this, tr = this.row(file.name);
    var bar = el("progress", {"max": String(Math.max(file.size, 1)), "value": "0",
                              "aria-label": "Upload of " + file.name});
    this.showRow(tr, file.size, bar, "uploading");
    function next(start) {
      return self.sendChunk(file, start, function (done) { bar.value = done; }).then(function (sent) {
        bar.value = sent.end;
        if (sent.end < file.size) return next(sent.end);
        self.showRow(tr, sent.item.size, "uploaded", "uploaded");
        self.deleteButton(tr, sent.item.deleteUrl);
        return true;
      });
    }
    return next(0).catch(function (message) {
      self.showRow(tr, file.size, "refused: " + message, "refused");
      tr.cells[3].textContent = "";
      return false;
    });
  };

  UploadManager.prototype.start = function () {
    var self = this;
    if (this.busy) return;
    if (!this.queue.length) { this.say("Add files first (drop them here or use the file chooser).", true); return; }
    var files = this.queue.slice();
    this.queue = [];
    this.busy = true;
    this.say("Uploading " + files.length + " file(s)...");
    var failed = 0;
    files.reduce(function (chain, file) {
      return chain.then(function () { return self.upload(file).then(function (ok) { if (!ok) failed += 1; }); });
    }, Promise.resolve()).then(function () {
      self.busy = false;
      self.input.value = "";
      self.say(failed ? failed + " file(s) refused: see the list." : "Upload complete.", failed > 0);
      return self.refresh(true);
    });
  };

  /* Rebuild the list from /upload/list/ (rows of refused files stay, with their message). */
  UploadManager.prototype.refresh = function (keepRefused) {
    var self = this;
    return fetch("/upload/list/", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (answer) {
        if (!answer.ok) { self.say(answer.body.error || "the upload list is not available", true); return; }
        var names = {};
        answer.body.files.forEach(function (f) { names[f.name] = true; });
        Array.prototype.slice.call(self.body.querySelectorAll("tr[data-name]")).forEach(function (tr) {
          var name = tr.getAttribute("data-name");
          var keep = (keepRefused && tr.classList.contains("refused")) || tr.classList.contains("queued");
          if (!names[name] && !keep) tr.remove();
        });
        answer.body.files.forEach(function (f) {
          var tr = self.row(f.name);
          self.showRow(tr, f.size, f.complete ? "uploaded" : "partial upload", f.complete ? "uploaded" : "partial");
          self.deleteButton(tr, f.deleteUrl);
        });
        if (!self.body.querySelector("tr[data-name]")) {
          var empty = el("tr", {"class": "empty"});
          empty.appendChild(el("td", {"colspan": "4"}, "No files uploaded yet."));
          self.body.appendChild(empty);
        }
      })
      .catch(function () { self.say("the upload list could not be read", true); });
  };

  UploadManager.prototype.remove = function (url, name) {
    var self = this;
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (answer) {
        var item = answer.body.files && answer.body.files[0];
        if (!answer.ok) self.say((item && item.error) || answer.body.error || ("could not delete " + name), true);
        else self.say("Deleted " + name + ".");
        return self.refresh(false);
      })
      .catch(function () { self.say("could not delete " + name, true); });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("upload_manager");
    if (root) window.OpenCRDSUploads = new UploadManager(root);
  });
})();
