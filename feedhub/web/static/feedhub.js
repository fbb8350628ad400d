// feedhub's only script (served from this server, never a CDN): the pages work without it.
// It submits "not interested" and "save" buttons in place, and the language menu on change.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // the related papers take a model fit: the page comes first, the list after (without a script: a link)
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-load]");
    if (!box) { return; }
    fetch(box.getAttribute("data-load"), { credentials: "same-origin" })
      .then(function (res) { if (!res.ok) { throw new Error(String(res.status)); } return res.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        box.replaceChildren.apply(box, Array.prototype.slice.call(doc.body.childNodes));
      })
      .catch(function () { /* the link stays */ });
  });
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el && el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var action = form && form.getAttribute("data-inplace");
    if (action !== "dismiss" && action !== "save") { return; }
    ev.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "follow" })
      .then(function (res) {
        if (!res.ok) { throw new Error(String(res.status)); }
        var story = form.closest("li.story");
        if (action === "dismiss" && story) { story.remove(); return; }
        var mark = document.createElement("span");
        mark.className = "badge";
        mark.textContent = button ? "✓ " + button.textContent : "✓";
        form.replaceWith(mark);
      })
      .catch(function () { form.submit(); });
  });
})();
