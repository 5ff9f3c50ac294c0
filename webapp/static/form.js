// Autosave and conditional items for the inspection form. Which items apply is decided by the
// server with the engine's own `when:` rules; this script only shows what it is told. While the
// server cannot be reached, the form is kept in this browser and sent when it can be.
(function () {
  "use strict";
  var form = document.getElementById("inspection");
  if (!form) return;
  var key = "lantian-draft-" + form.dataset.draft;
  var status = document.getElementById("save-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = null;

  function entries() {
    var list = [];
    new FormData(form).forEach(function (value, name) { if (name !== "csrf_token") list.push([name, value]); });
    return list;
  }

  function restore(list) {
    var byName = {};
    list.forEach(function (pair) { (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name === "csrf_token") return;
      var values = byName[field.name] || [];
      if (field.type === "radio" || field.type === "checkbox") field.checked = values.indexOf(field.value) !== -1;
      else if (field.tagName !== "BUTTON") field.value = values.length ? values[0] : "";
    });
  }

  function show(applies) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-item]"), function (item) {
      item.hidden = applies[item.dataset.item] === false;
    });
  }

  function syncNotApplicable() {
    Array.prototype.forEach.call(form.querySelectorAll("input[name$='.na']"), function (box) {
      var input = form.querySelector("input[name='" + box.name.replace(/\.na$/, ".value") + "']");
      if (input) input.disabled = box.checked;
    });
  }

  function save() {
    timer = null;
    var list = entries();
    localStorage.setItem(key, JSON.stringify({pending: true, entries: list}));
    var body = new FormData(form);
    return fetch(form.dataset.autosave, {method: "POST", body: body, headers: {"X-CSRFToken": token}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (reply) {
        localStorage.setItem(key, JSON.stringify({pending: false, entries: list}));
        if (reply.applies) show(reply.applies);
        status.textContent = "已自动保存 " + new Date().toLocaleTimeString();
      })
      .catch(function () {
        status.textContent = "网络不通：已保存在本机，恢复连接后自动上传";
      });
  }

  function later() {
    syncNotApplicable();
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 400);
  }

  var kept = localStorage.getItem(key);
  if (kept) {
    var saved = JSON.parse(kept);
    if (saved.pending) { restore(saved.entries); later(); }
  }
  syncNotApplicable();
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  window.addEventListener("online", function () { later(); });
  form.addEventListener("submit", function () { localStorage.removeItem(key); });
})();
