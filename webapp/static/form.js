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
      Array.prototype.forEach.call(form.querySelectorAll("[name='" + box.name.replace(/\.na$/, ".value") + "']"), function (input) {
        input.disabled = box.checked;
      });
    });
  }

  function save() {
    timer = null;
    var list = entries();
    localStorage.setItem(key, JSON.stringify({pending: true, entries: list}));
    var body = new FormData(form);
    return fetch(form.dataset.autosave, {method: "POST", body: body, headers: {"X-CSRFToken": token}, credentials: "same-origin"})
      .then(function (response) {
        // The server answered but did not save (a full disk): say why, in its words.
        if (!response.ok) return response.json().catch(function () { return {}; }).then(function (reply) {
          throw {refused: reply.error || String(response.status)};
        });
        return response.json();
      })
      .then(function (reply) {
        localStorage.setItem(key, JSON.stringify({pending: false, entries: list}));
        if (reply.applies) show(reply.applies);
        status.textContent = "已自动保存 " + new Date().toLocaleTimeString();
      })
      .catch(function (error) {
        status.textContent = error && error.refused
          ? "服务器没有保存（" + error.refused + "）：已保存在本机，再次修改或刷新页面时重新上传"
          : "网络不通：已保存在本机，恢复连接后自动上传";
      });
  }

  function later() {
    syncNotApplicable();
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 400);
  }

  // Photos: shrunk here (a phone's photo is several megabytes; 1600 px is plenty for a record),
  // with the position where the browser allows it, then sent one by one.
  var position = null;
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (found) { position = found.coords; }, function () {}, {enableHighAccuracy: true, timeout: 20000});
  }

  function shrink(file) {
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (done) { canvas.toBlob(function (blob) { done(blob || file); }, "image/jpeg", 0.85); });
    }, function () { return file; });
  }

  function addThumbnail(list, reply) {
    var figure = document.createElement("figure");
    figure.dataset.name = reply.name;
    var image = document.createElement("img");
    image.src = reply.url;
    image.alt = "照片";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = "删除";
    remove.dataset.delete = reply.url + "/delete";
    figure.appendChild(image);
    figure.appendChild(remove);
    list.appendChild(figure);
  }

  function upload(input) {
    var list = form.querySelector("[data-photos='" + input.dataset.photoItem + "']");
    Array.prototype.reduce.call(input.files, function (chain, file) {
      return chain.then(function () { return shrink(file); }).then(function (blob) {
        var body = new FormData();
        body.append("item", input.dataset.photoItem);
        body.append("photo", blob, "photo.jpg");
        if (position) { body.append("latitude", position.latitude); body.append("longitude", position.longitude); body.append("accuracy", position.accuracy); }
        return fetch(form.dataset.photos, {method: "POST", body: body, headers: {"X-CSRFToken": token}, credentials: "same-origin"});
      }).then(function (response) {
        return response.json().then(function (reply) {
          if (!response.ok) throw new Error(reply.error || String(response.status));
          addThumbnail(list, reply);
          status.textContent = "照片已上传";
        });
      }).catch(function (error) { status.textContent = "照片没有上传：" + error.message; });
    }, Promise.resolve()).then(function () { input.value = ""; });
  }

  form.addEventListener("change", function (event) {
    if (event.target.dataset && event.target.dataset.photoItem) { event.stopPropagation(); upload(event.target); }
  }, true);
  form.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.dataset || !target.dataset.delete) return;
    fetch(target.dataset.delete, {method: "POST", headers: {"X-CSRFToken": token}, credentials: "same-origin"}).then(function (response) {
      if (response.ok) target.closest("figure").remove();
    });
  });

  // Signatures: drawn with a finger on a canvas, sent as PNG when the signer taps 保存签名.
  Array.prototype.forEach.call(form.querySelectorAll("[data-signer]"), function (pad) {
    var canvas = pad.querySelector("canvas");
    var pen = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    pen.lineWidth = 4;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var at = point(event);
      pen.beginPath();
      pen.moveTo(at[0], at[1]);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var at = point(event);
      pen.lineTo(at[0], at[1]);
      pen.stroke();
      drawn = true;
      event.preventDefault();
    });
    canvas.addEventListener("pointerup", function () { drawing = false; });
    pad.querySelector("[data-clear]").addEventListener("click", function () {
      pen.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
    });
    pad.querySelector("[data-save]").addEventListener("click", function () {
      if (!drawn) { status.textContent = "请先在框内签名"; return; }
      canvas.toBlob(function (blob) {
        var body = new FormData();
        body.append("signer", pad.dataset.signer);
        body.append("image", blob, "signature.png");
        fetch(pad.dataset.upload, {method: "POST", body: body, headers: {"X-CSRFToken": token}, credentials: "same-origin"}).then(function (response) {
          status.textContent = response.ok ? "签名已保存" : "签名没有保存，请重试";
          if (response.ok && !pad.querySelector(".saved")) {
            var mark = document.createElement("span");
            mark.className = "saved";
            mark.textContent = "已签名";
            pad.querySelector(".row").appendChild(mark);
          }
        });
      }, "image/png");
    });
  });

  var kept = localStorage.getItem(key);
  if (kept) {
    var saved = JSON.parse(kept);
    if (saved.pending) { restore(saved.entries); later(); }
  }
  syncNotApplicable();
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  window.addEventListener("online", function () { later(); });
  // A page left (reloaded, closed, or put behind another app, where a phone may end it)
  // before the pause after typing has run out saves at once: save() keeps it in this browser
  // first, so what the upload may not finish is sent when the page is opened again.
  function keepNow() {
    if (!timer) return;
    clearTimeout(timer);
    save();
  }
  window.addEventListener("pagehide", keepNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") keepNow();
  });
  // The copy in this browser is dropped only once the submission is taken (result.js): a
  // submission refused, or sent without a connection, loses nothing.
})();
