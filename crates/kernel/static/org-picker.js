// 亲清家园: the organisation picker and tree filter. Typing narrows the list to the
// organisations whose name, or whose parents' names, contain the text. Without this script
// the whole tree is shown and still works.
"use strict";

function filterOrganisations(box) {
  const input = box.querySelector("[data-org-filter]");
  const items = Array.from(box.querySelectorAll("[data-path]"));
  const none = box.querySelector(".org-none");
  input.hidden = false;
  input.addEventListener("input", () => {
    const words = input.value.trim().split(/\s+/).filter((w) => w.length > 0);
    let shown = 0;
    for (const item of items) {
      const path = item.getAttribute("data-path");
      const match = words.every((w) => path.includes(w));
      const checked = item.querySelector("input:checked") !== null;
      item.hidden = !(match || checked);
      if (!item.hidden) shown += 1;
    }
    if (none) none.hidden = shown > 0;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("[data-org-filterable]")) {
    if (!box.dataset.orgFilterReady) {
      box.dataset.orgFilterReady = "1";
      filterOrganisations(box);
    }
  }
});
