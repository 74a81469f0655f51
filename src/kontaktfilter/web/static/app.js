// Kontaktfilter: keyboard triage, copying drafts, upload progress. No inline script anywhere (CSP).
(function () {
  "use strict";

  var index = 0;

  function isTyping(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("li.item"));
  }

  function say(text) {
    var status = document.getElementById("status");
    if (!status || !text) return;
    status.textContent = text;
    status.hidden = false;
    window.clearTimeout(say.timer);
    say.timer = window.setTimeout(function () { status.hidden = true; }, 4000);
  }

  function select(i, focus) {
    var list = rows();
    if (!list.length) return;
    index = Math.max(0, Math.min(i, list.length - 1));
    list.forEach(function (row, n) {
      var on = n === index;
      row.classList.toggle("selected", on);
      if (on) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
    });
    if (focus) {
      list[index].focus();
      list[index].scrollIntoView({ block: "nearest" });
    }
  }

  function decideScope() {
    return document.querySelector("li.item.selected") || document.querySelector("[data-decide-scope]");
  }

  function press(key) {
    var scope = decideScope();
    var button = scope && scope.querySelector('button[data-key="' + key + '"]');
    if (button) button.click();
  }

  function undo() {
    var button = document.querySelector("#undo-region button[data-undo]");
    if (button) button.click();
  }

  function copyDraft(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.value;
    var done = function () { say(button.getAttribute("data-copied")); };
    var fallback = function () {
      target.focus();
      target.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(button.getAttribute(ok ? "data-copied" : "data-failed"));
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  function openHelp() {
    var help = document.getElementById("help");
    if (help && !help.open) help.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var help = document.getElementById("help");
    if (help && help.open) return;
    var active = document.activeElement;
    if (isTyping(active)) {
      if (event.key === "Escape") active.blur();
      return;
    }
    var page = document.body.getAttribute("data-page");
    var handled = true;
    switch (event.key) {
      case "j":
        if (page === "inbox") select(index + 1, true);
        else { var next = document.querySelector("a[data-next]"); if (next) next.click(); }
        break;
      case "k":
        if (page === "inbox") select(index - 1, true);
        else { var back = document.querySelector("a[data-back]"); if (back) back.click(); }
        break;
      case "Enter":
      case "o":
        var row = active && active.matches && active.matches("li.item") ? active : null;
        if (event.key === "o") row = document.querySelector("li.item.selected");
        if (row) window.location.assign(row.getAttribute("data-href"));
        else handled = false;
        break;
      case "a": case "q": case "f": case "i": case "b":
        press(event.key);
        break;
      case "u":
        undo();
        break;
      case "c":
        var copy = document.querySelector("button[data-copy]");
        if (copy) copyDraft(copy); else handled = false;
        break;
      case "/":
        var search = document.getElementById("search");
        if (search) { search.focus(); search.select(); } else handled = false;
        break;
      case "?":
        openHelp();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var copy = target.closest("button[data-copy]");
    if (copy) { copyDraft(copy); return; }
    if (target.closest("[data-help]")) { openHelp(); return; }
    var row = target.closest("li.item");
    if (row) select(rows().indexOf(row), false);
  });

  document.addEventListener("focusin", function (event) {
    var row = event.target instanceof Element ? event.target.closest("li.item") : null;
    if (row) select(rows().indexOf(row), false);
  });

  // After a decision htmx removes the row: keep the selection at the same place (the next request),
  // and after the list is refreshed (undo) select again.
  document.addEventListener("htmx:afterSettle", function () {
    if (rows().length && document.body.getAttribute("data-page") === "inbox") {
      var focusInList = !document.activeElement || document.activeElement === document.body ||
        (document.activeElement.closest && document.activeElement.closest("#inbox"));
      select(index, !!focusInList);
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 413) say(document.documentElement.lang === "de" ? "Die Datei ist zu groß." : "The upload is too large.");
    else say(document.documentElement.lang === "de" ? "Das hat nicht geklappt (" + (xhr ? xhr.status : "?") + ")." : "That did not work (" + (xhr ? xhr.status : "?") + ").");
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = document.getElementById("upload-progress");
    var d = event.detail;
    if (!bar || !d || !d.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((d.loaded / d.total) * 100);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.getAttribute("data-page") === "inbox") select(0, false);
  });
})();
