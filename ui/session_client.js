// Sets or drops the portal's session cookie through the server (ui/session_routes.py).
// Loaded by ui/session.py with data-action="set" and a one-time data-ticket, or data-action="clear".
// The cookie itself is HttpOnly: this script never sees it, only the ticket.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var action = script.getAttribute("data-action");
  var target = { set: "cookie", clear: "logout" }[action];
  if (!target) {
    return;
  }
  var body = action === "set" ? { ticket: script.getAttribute("data-ticket") || "" } : {};
  fetch(new URL(target, script.src).toString(), {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }).catch(function () {
    // The server-side session decides who is signed in; a lost cookie only costs a login after reload.
  });
})();
