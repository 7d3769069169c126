// 亲清家园: small progressive enhancements. Every page works without this script.
"use strict";

// Live check of a 统一社会信用代码 field against the public reference API.
function watchCreditCode(input) {
  const hint = document.createElement("div");
  hint.className = "hint";
  hint.setAttribute("aria-live", "polite");
  input.insertAdjacentElement("afterend", hint);
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const code = input.value.trim();
    if (code.length === 0) { hint.textContent = ""; return; }
    timer = setTimeout(async () => {
      try {
        const res = await fetch("/api/v1/reference/credit-code/" + encodeURIComponent(code));
        const body = await res.json();
        hint.textContent = body.valid ? "✓ 信用代码校验通过" : body.reason;
        hint.className = body.valid ? "hint ok" : "error-text";
      } catch (_) { hint.textContent = ""; }
    }, 250);
  });
}

// Upload with a progress bar, then show the server's answer (the page it returns).
function uploadWithProgress(form) {
  form.addEventListener("submit", (event) => {
    const bar = form.querySelector("progress");
    if (!bar || !window.FormData) return;
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", () => {
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", () => { bar.hidden = true; alert("上传失败,请检查网络后重试"); });
    xhr.send(new FormData(form));
  });
}

// The reference tools page: answers straight from the JSON API.
function referenceTool(form) {
  const out = form.querySelector("[data-output]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = new URLSearchParams(new FormData(form));
    const url = form.dataset.tool + "?" + params.toString();
    try {
      const res = await fetch(url);
      const body = await res.json();
      out.className = res.ok ? "alert ok" : "alert error";
      out.textContent = res.ok ? form.dataset.format.replace(/\{(\w+)\}/g, (_, k) => body[k] ?? params.get(k) ?? "") : body.message;
    } catch (_) {
      out.className = "alert error";
      out.textContent = "查询失败,请稍后再试";
    }
    out.hidden = false;
  });
}

// An industry field offers the GB/T 4754-2017 classes matching what is typed (皮鞋, C195) and
// shows the chosen class's name; the field still takes a code typed by hand.
function industryPicker(input) {
  const list = document.createElement("datalist");
  list.id = input.id + "-classes";
  input.setAttribute("list", list.id);
  const named = document.createElement("div");
  named.className = "hint";
  named.setAttribute("aria-live", "polite");
  input.insertAdjacentElement("afterend", named);
  input.insertAdjacentElement("afterend", list);
  let timer;
  const lookUp = async () => {
    // A box that offers industries only for some choices (the policy builder) drops its list.
    if (!input.hasAttribute("list")) return;
    const text = input.value.trim();
    if (text.length === 0) { list.replaceChildren(); named.textContent = ""; return; }
    try {
      const res = await fetch("/api/v1/reference/industries?q=" + encodeURIComponent(text));
      const classes = await res.json();
      list.replaceChildren(...classes.map((c) => {
        const option = document.createElement("option");
        option.value = c.code;
        option.label = c.code + " " + c.name;
        option.textContent = c.code + " " + c.name;
        return option;
      }));
      const exact = classes.find((c) => c.code === text.toUpperCase());
      named.textContent = exact ? exact.code + " " + exact.name : "";
    } catch (_) { named.textContent = ""; }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookUp, 200); });
  lookUp();
}

// The navigation's menus (<details>) behave as menus: one open at a time, closed by a click
// elsewhere or by Escape (which gives the focus back to the menu's name).
function navMenus() {
  const menus = [...document.querySelectorAll(".main-nav details")];
  menus.forEach((menu) => menu.addEventListener("toggle", () => {
    if (menu.open) menus.filter((m) => m !== menu).forEach((m) => { m.open = false; });
  }));
  document.addEventListener("click", (event) => {
    menus.filter((m) => m.open && !m.contains(event.target)).forEach((m) => { m.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = menus.find((m) => m.open);
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
}

// A table wider than the screen scrolls sideways in its .table-wrap: make such a box reachable
// by keyboard (arrow keys scroll it) and name it after its heading for screen readers.
function scrollableTables() {
  document.querySelectorAll(".table-wrap").forEach((box) => {
    if (box.scrollWidth <= box.clientWidth || box.hasAttribute("tabindex")) return;
    const heading = box.querySelector("h2, h3, caption");
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", (heading ? heading.textContent.trim() : "表格") + "(可左右滚动)");
  });
}

// A "获取当前位置" button fills the latitude and longitude fields of its form from the phone's
// location and marks the position as the device's; typing in the fields marks it typed.
function locateButton(button) {
  const form = button.closest("form");
  const status = document.createElement("div");
  status.className = "hint";
  status.setAttribute("aria-live", "polite");
  button.insertAdjacentElement("afterend", status);
  // Where the position came from: the server flags one typed by hand.
  const source = form.querySelector("[name=located_by]");
  const accuracy = form.querySelector("[name=accuracy_m]");
  form.querySelectorAll("[name=latitude], [name=longitude]").forEach((field) => {
    field.addEventListener("input", () => { source.value = ""; accuracy.value = ""; });
  });
  if (!navigator.geolocation) { button.hidden = true; return; }
  button.addEventListener("click", () => {
    status.textContent = "正在获取位置……";
    navigator.geolocation.getCurrentPosition((position) => {
      form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
      source.value = "device";
      accuracy.value = String(Math.round(position.coords.accuracy));
      status.textContent = "已获取当前位置(精度约 " + Math.round(position.coords.accuracy) + " 米)";
    }, () => {
      status.textContent = "未能获取位置:请允许本网站使用位置信息,或手工填写经纬度";
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  scrollableTables();
  navMenus();
  document.querySelectorAll("input[data-credit-code]").forEach(watchCreditCode);
  document.querySelectorAll("input[data-industry-picker]").forEach(industryPicker);
  document.querySelectorAll("form[data-upload]").forEach(uploadWithProgress);
  document.querySelectorAll("form[data-tool]").forEach(referenceTool);
  document.querySelectorAll("button[data-locate]").forEach(locateButton);
});
