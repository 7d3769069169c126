// 惠企政策兑现: scripts of the scene's own pages, served after the kernel's app.js.

// The policy builder: offer only the operators that fit the chosen attribute, the ratio's
// denominator only for a ratio, 连续年数 and the time of recognition only for the operators
// that take them, and only the reward fields of the chosen kind. Without the
// script every field shows; the server writes the definition either way.
// An industry condition's value box offers the industry picker (name or code); another
// attribute's value box is a plain box.
function offerIndustries(row, attr) {
  const value = row.querySelector("input[data-value]");
  const industry = (row.dataset.industryAttrs || "").split(" ").includes(attr.value);
  if (industry && !value.dataset.picker) {
    value.dataset.picker = "industry";
    industryPicker(value);
  }
  if (!value.dataset.picker) return;
  if (industry) value.setAttribute("list", value.id + "-classes"); else value.removeAttribute("list");
  value.nextElementSibling?.nextElementSibling?.toggleAttribute("hidden", !industry);
}

function policyBuilder(section) {
  // Only a change moves the operator: on loading, the page shows what the definition says.
  const fitOps = (row, adjust) => {
    const attr = row.querySelector("select[data-attr]");
    const op = row.querySelector("select[data-op]");
    const kinds = (attr.selectedOptions[0]?.dataset.kinds || "").split(" ").filter(Boolean);
    for (const o of op.options) o.hidden = kinds.length > 0 && !kinds.includes(o.dataset.kind);
    if (adjust && op.selectedOptions[0]?.hidden) op.value = [...op.options].find((o) => !o.hidden)?.value ?? op.value;
    row.querySelector("[data-ratio]").hidden = op.selectedOptions[0]?.dataset.kind !== "ratio";
    row.querySelectorAll("[data-ops]").forEach((el) => { el.hidden = !el.dataset.ops.split(" ").includes(op.value); });
    offerIndustries(row, attr);
  };
  section.querySelectorAll("[data-row]").forEach((row) => {
    fitOps(row, false);
    row.addEventListener("change", (e) => { if (e.target.matches("[data-attr], [data-op]")) fitOps(row, true); });
  });
  const kind = section.querySelector("select[data-reward-kind]");
  const showReward = () => section.querySelectorAll("[data-reward]").forEach((el) => {
    el.hidden = !el.dataset.reward.split(" ").includes(kind.value);
  });
  if (kind) { showReward(); kind.addEventListener("change", showReward); }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("section.builder").forEach(policyBuilder);
});
