/* KOMPAS: small progressive enhancements. Every page works without this file.
 *
 *  data-confirm="Question?"   on a <form>, <button>, <a> or submit <input>: asks before going on.
 *  .flash-success             hidden after 5 seconds; every flash gets a close button.
 *  data-add-row="tpl-id"      on a button: clones <template id="tpl-id"> into the container
 *  data-target="#rows"          named by data-target (a CSS selector or an id; default: the
 *                               template's parent). "__index__" in the template becomes a
 *                               running number, so names and ids stay unique.
 *  .remove-row                on a button: removes its closest .row-item.
 *  data-copy="#selector"      on a button: copies that input's value (or element's text).
 *  data-autosubmit            on a select/input: submits its form when changed.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  /* ---- confirmations ---- */
  function confirmed(el) {
    var question = el.getAttribute("data-confirm");
    return !question || window.confirm(question);
  }

  document.addEventListener(
    "click",
    function (event) {
      var el = event.target.closest("a[data-confirm], button[data-confirm], input[data-confirm]");
      if (el && !confirmed(el)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm") && !confirmed(form)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  /* ---- flash messages ---- */
  function hideFlash(flash) {
    flash.classList.add("is-hiding");
    window.setTimeout(function () {
      var box = flash.parentElement;
      flash.remove();
      if (box && box.classList.contains("flashes") && !box.querySelector(".flash")) {
        box.remove();
      }
    }, 400);
  }

  function setUpFlashes() {
    document.querySelectorAll(".flashes").forEach(function (box) {
      var label = box.getAttribute("data-close-label") || "Close";
      box.querySelectorAll(".flash").forEach(function (flash) {
        var close = document.createElement("button");
        close.type = "button";
        close.className = "flash-close";
        close.setAttribute("aria-label", label);
        close.textContent = "\u00d7";
        close.addEventListener("click", function () {
          hideFlash(flash);
        });
        flash.appendChild(close);
        if (flash.classList.contains("flash-success")) {
          window.setTimeout(function () {
            if (!flash.matches(":hover") && !flash.contains(document.activeElement)) {
              hideFlash(flash);
            }
          }, 5000);
        }
      });
    });
  }

  /* ---- repeating rows ---- */
  function findTarget(button, template) {
    var sel = button.getAttribute("data-target");
    if (sel) {
      var found = null;
      try {
        found = document.querySelector(sel);
      } catch (e) {
        found = null;
      }
      return found || document.getElementById(sel.replace(/^#/, ""));
    }
    return template.parentElement;
  }

  function addRow(button) {
    var id = button.getAttribute("data-add-row");
    var template = document.getElementById(id);
    if (!template || !("content" in template)) {
      return;
    }
    var target = findTarget(button, template);
    if (!target) {
      return;
    }
    var next = parseInt(target.getAttribute("data-next-index") || "", 10);
    if (isNaN(next)) {
      next = target.querySelectorAll(".row-item").length;
    }
    target.setAttribute("data-next-index", String(next + 1));
    var holder = document.createElement("template");
    holder.innerHTML = template.innerHTML.replace(/__index__/g, String(next));
    var fragment = holder.content;
    var first = fragment.querySelector("input:not([type=hidden]), select, textarea");
    target.appendChild(fragment);
    if (first) {
      first.focus();
    }
  }

  function removeRow(button) {
    var row = button.closest(".row-item");
    if (!row) {
      return;
    }
    var container = row.parentElement;
    row.remove();
    if (container) {
      var focusable = container.querySelector("input:not([type=hidden]), select, textarea");
      if (focusable) {
        focusable.focus();
      }
    }
  }

  /* ---- copy to clipboard ---- */
  function copyValue(button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var text = "value" in source ? source.value : source.textContent;
    var done = function () {
      var label = button.getAttribute("data-copied-label");
      if (label) {
        var old = button.textContent;
        button.textContent = label;
        window.setTimeout(function () {
          button.textContent = old;
        }, 2000);
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        selectSource(source);
      });
    } else {
      selectSource(source);
      try {
        if (document.execCommand("copy")) {
          done();
        }
      } catch (e) {
        /* the text stays selected for Ctrl+C */
      }
    }
  }

  function selectSource(source) {
    if (typeof source.select === "function") {
      source.focus();
      source.select();
    }
  }

  document.addEventListener("click", function (event) {
    var adder = event.target.closest("[data-add-row]");
    if (adder) {
      event.preventDefault();
      addRow(adder);
      return;
    }
    var remover = event.target.closest(".remove-row");
    if (remover) {
      event.preventDefault();
      removeRow(remover);
      return;
    }
    var copier = event.target.closest("[data-copy]");
    if (copier) {
      event.preventDefault();
      copyValue(copier);
    }
  });

  /* ---- submit on change ---- */
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (typeof el.form.requestSubmit === "function") {
        el.form.requestSubmit();
      } else {
        el.form.submit();
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpFlashes);
  } else {
    setUpFlashes();
  }
})();

/* KOMPAS: two more enhancements.
 *
 *  form[data-omit-empty]      (GET forms) leaves empty fields out of the address, so blank
 *                               selects do not send "kind=" and the URL stays short.
 *  form[data-sync-checks]     checkboxes with the same name and value (one category shown
 *                               under two parents) are ticked and unticked together.
 */
(function () {
  "use strict";

  document.addEventListener("formdata", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-omit-empty")) {
      return;
    }
    var data = event.formData;
    var kept = [];
    data.forEach(function (value, key) {
      if (typeof value !== "string" || value.trim() !== "") {
        kept.push([key, value]);
      }
    });
    Array.from(new Set(Array.from(data.keys()))).forEach(function (key) {
      data.delete(key);
    });
    kept.forEach(function (pair) {
      data.append(pair[0], pair[1]);
    });
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.form) {
      return;
    }
    if (!box.form.hasAttribute("data-sync-checks")) {
      return;
    }
    Array.prototype.forEach.call(box.form.elements, function (other) {
      if (other !== box && other.type === "checkbox" && other.name === box.name && other.value === box.value) {
        other.checked = box.checked;
      }
    });
  });
})();

/* KOMPAS: live notifications, for the bell in the header ([data-bell]).
 *
 *  Listens on the WebSocket hub (data-ws, "/ws"; the session cookie authenticates) and
 *  reconnects after a drop, waiting 1 s, 2 s, 4 s ... up to 30 s (with jitter, so that tabs
 *  do not all come back at once after a restart). Every message carries the unread count
 *  for the bell; a new notification also shows a toast, and a desktop notification when
 *  the tab is hidden and the user allowed them.
 *
 *  [data-notify-permission]  a button shown while the browser may still ask for permission
 *                              to show desktop notifications; nothing is asked on load.
 */
(function () {
  "use strict";

  var bell = document.querySelector("[data-bell]");
  if (!bell || !("WebSocket" in window)) {
    return;
  }
  var counter = bell.querySelector("[data-bell-count]");
  var closeLabel = bell.getAttribute("data-label-close") || "Close";
  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var TOAST_MS = 10000;
  var delay = FIRST_DELAY_MS;
  var retry = null;

  function setUnread(count) {
    if (!counter) {
      return;
    }
    counter.textContent = count > 0 ? String(count) : "";
    counter.hidden = !(count > 0);
  }

  function safeLink(link) {
    return typeof link === "string" && (/^\/(?!\/)/.test(link) || /^https?:\/\//.test(link));
  }

  function toastBox() {
    var box = document.querySelector(".toasts");
    if (!box) {
      box = document.createElement("div");
      box.className = "toasts";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  function showToast(note) {
    var toast = document.createElement("div");
    toast.className = "toast" + (note.late ? " toast-late" : "");
    toast.setAttribute("role", "status");
    var title = document.createElement(safeLink(note.link) ? "a" : "strong");
    title.className = "toast-title";
    title.textContent = note.title;
    if (title.tagName === "A") {
      title.href = note.link;
    }
    toast.appendChild(title);
    if (note.body) {
      var body = document.createElement("p");
      body.className = "toast-body";
      body.textContent = note.body;
      toast.appendChild(body);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", closeLabel);
    close.textContent = "\u00d7";
    close.addEventListener("click", function () {
      toast.remove();
    });
    toast.appendChild(close);
    toastBox().appendChild(toast);
    window.setTimeout(function () {
      if (!toast.matches(":hover") && !toast.contains(document.activeElement)) {
        toast.remove();
      }
    }, TOAST_MS);
  }

  function showOnDesktop(note) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") {
      return;
    }
    var shown = new Notification(note.title, { body: note.body || "", tag: "kompas-" + note.id });
    shown.onclick = function () {
      window.focus();
      if (safeLink(note.link)) {
        window.location.href = note.link;
      }
      shown.close();
    };
  }

  function onMessage(event) {
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (typeof message.unread === "number") {
      setUnread(message.unread);
    }
    if (message.type === "hello" && Array.isArray(message.missed)) {
      /* came while no tab was open (the late ones after a restart above all) */
      message.missed.forEach(function (note) {
        showToast(note);
        showOnDesktop(note);
      });
    }
    if (message.type === "notification" && message.notification) {
      showToast(message.notification);
      showOnDesktop(message.notification);
    }
  }

  function reconnectLater() {
    if (retry !== null) {
      return;
    }
    var wait = delay * (0.5 + Math.random());
    delay = Math.min(delay * 2, MAX_DELAY_MS);
    retry = window.setTimeout(function () {
      retry = null;
      connect();
    }, wait);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + (bell.getAttribute("data-ws") || "/ws"));
    } catch (e) {
      reconnectLater();
      return;
    }
    socket.onopen = function () {
      delay = FIRST_DELAY_MS;
    };
    socket.onmessage = onMessage;
    socket.onclose = reconnectLater;
  }

  /* ---- permission for desktop notifications, asked only from a button ---- */
  function setUpPermissionButtons() {
    if (!("Notification" in window)) {
      return;
    }
    document.querySelectorAll("[data-notify-permission]").forEach(function (button) {
      button.hidden = Notification.permission !== "default";
      button.addEventListener("click", function () {
        var asked = Notification.requestPermission(function () {
          button.hidden = Notification.permission !== "default";
        });
        if (asked && typeof asked.then === "function") {
          asked.then(function () {
            button.hidden = Notification.permission !== "default";
          });
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpPermissionButtons);
  } else {
    setUpPermissionButtons();
  }
  connect();
})();
