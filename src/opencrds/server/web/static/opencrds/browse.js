// JSON-RPC browser: "Call" sends the method with the parameters typed (a JSON array) to /json/
// as JSON-RPC 1.0 and shows the request and the reply. Without JavaScript the list still shows.
(function () {
  "use strict";
  let serial = 0;
  function show(form, request, reply) {
    const box = form.querySelector(".rpc-exchange");
    box.hidden = false;
    form.querySelector(".rpc-request").textContent = request;
    form.querySelector(".rpc-reply").textContent = reply;
  }
  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 1); } catch (e) { return text; }
  }
  document.querySelectorAll("form.rpc-try").forEach(function (form) {
    form.classList.add("js");
    const button = form.querySelector("button");
    button.disabled = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const method = form.dataset.method;
      let params;
      try {
        params = JSON.parse(form.querySelector("textarea").value || "[]");
      } catch (e) {
        show(form, "(not sent)", "The parameters are not valid JSON: " + e.message);
        return;
      }
      if (!Array.isArray(params) && (params === null || typeof params !== "object")) {
        params = [params];
      }
      serial += 1;
      const body = JSON.stringify({jsonrpc: "1.0", method: method, params: params, id: serial});
      show(form, pretty(body), "waiting…");
      button.disabled = true;
      fetch("/json/" + method + "/browser-" + serial + "/", {
        method: "POST", headers: {"Content-Type": "application/json"}, body: body,
        credentials: "same-origin"
      }).then(function (response) {
        return response.text().then(function (text) {
          show(form, pretty(body), "HTTP " + response.status + "\n" + pretty(text));
        });
      }).catch(function (error) {
        show(form, pretty(body), "The request failed: " + error);
      }).finally(function () { button.disabled = false; });
    });
  });
})();
