// Verifies audit entries in the browser, trusting nothing the server computed: the checkpoint's
// Ed25519 signature against the published verifier key (C2SP signed note), each entry's leaf hash
// from its exact bytes, and its RFC 9162 inclusion proof against the checkpoint's root.
"use strict";

const enc = new TextEncoder();
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}
const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

// RFC 9162 §2.1.3.2, with BigInt so indexes beyond 2^32 stay exact.
async function verifyInclusion(index, size, leaf, proof, root) {
  let fn = BigInt(index), sn = BigInt(size) - 1n, r = leaf;
  if (fn > sn) return false;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// C2SP signed note + tlog-checkpoint: returns {origin, size, root} if the log's key signed it.
async function openCheckpoint(note, vkey) {
  // name+hexid+base64: the base64 may itself contain '+', so split on the first two only.
  const [, name, idHex, keyB64] = vkey.trim().match(/^([^+]+)\+([0-9a-f]{8})\+(.+)$/) || [];
  if (!keyB64) throw new Error("验证密钥格式不正确");
  const key = b64(keyB64);
  if (key[0] !== 1 || key.length !== 33) throw new Error("不是 Ed25519 验证密钥");
  const cut = note.indexOf("\n\n");
  const text = note.slice(0, cut + 1);
  const publicKey = await crypto.subtle.importKey("raw", key.slice(1), { name: "Ed25519" }, false, ["verify"]);
  let signed = false;
  for (const line of note.slice(cut + 2).split("\n")) {
    const m = line.match(/^— (\S+) (\S+)$/);
    if (!m || m[1] !== name) continue;
    const raw = b64(m[2]);
    if (hex(raw.slice(0, 4)) !== idHex) continue;
    signed ||= await crypto.subtle.verify({ name: "Ed25519" }, publicKey, raw.slice(4), enc.encode(text));
  }
  if (!signed) throw new Error("检查点签名无效");
  const [origin, size, root] = text.split("\n");
  return { origin, size: Number(size), root: b64(root) };
}

async function fetchText(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}:${res.status}`);
  return res.text();
}

async function fetchJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}:${res.status}`);
  return res.json();
}

async function verifyEntry(index, checkpoint) {
  if (index >= checkpoint.size) return { state: "pending", text: "尚未纳入检查点(每 30 秒签发一次)" };
  const entry = await fetchJson(`/api/v1/audit/entries/${index}`);
  const leaf = await leafHash(b64(entry.entry_b64));
  const proof = await fetchJson(`/api/v1/audit/proof/inclusion?index=${index}&size=${checkpoint.size}`);
  const ok = await verifyInclusion(index, checkpoint.size, leaf, proof.hashes.map(b64), checkpoint.root);
  return ok
    ? { state: "ok", text: `✓ 已验证:包含在大小为 ${checkpoint.size} 的签名检查点中` }
    : { state: "bad", text: "✗ 验证失败:记录与签名检查点不符" };
}

async function verifyAll(button) {
  const status = document.querySelector("[data-verify-status]");
  button.disabled = true;
  status.className = "alert info";
  status.textContent = "正在验证…";
  status.hidden = false;
  try {
    const [note, vkey] = await Promise.all([fetchText("/api/v1/audit/checkpoint"), fetchText("/api/v1/audit/verifier")]);
    const checkpoint = await openCheckpoint(note, vkey);
    const rows = document.querySelectorAll("[data-entry-index]");
    let verified = 0, failed = 0, done = 0;
    for (const row of rows) {
      const result = await verifyEntry(Number(row.dataset.entryIndex), checkpoint);
      const cell = row.querySelector("[data-entry-result]");
      cell.textContent = result.text;
      cell.className = "verify-" + result.state;
      if (result.state === "ok") verified++;
      if (result.state === "bad") failed++;
      status.textContent = `正在验证… ${++done}/${rows.length}`;
    }
    status.className = failed ? "alert error" : "alert ok";
    status.textContent = failed
      ? `${failed} 条记录验证失败!`
      : `检查点签名有效(${checkpoint.origin},树大小 ${checkpoint.size});${verified} 条记录已在浏览器中逐条验证。`;
  } catch (e) {
    status.className = "alert error";
    status.textContent = "验证失败:" + e.message;
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-verify]").forEach((b) => b.addEventListener("click", () => verifyAll(b)));
});
