// Accessibility: axe-core (the engine of Lighthouse and of most auditors), run in the same
// headless Chromium over every kind of page each role of the demo reaches from its navigation —
// the navigation's pages and one page of each kind they link to — on a phone and, for the
// public pages, on a desk too. Any serious or critical violation of WCAG 2.1 A/AA (and axe's
// best practices) fails the journey with the rule, the page and the element.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  PHONE, DESKTOP, useBrowser, journey, login,
} from './lib/harness.mjs';

useBrowser();

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const FAILING = new Set(['serious', 'critical']);
/** Downloads and machine answers, not pages (as in links.test.mjs). */
const SKIP = [/^\/logout\b/, /\/export\.(csv|xlsx)$/, /^\/payouts\/batches\/\d+\/file$/, /^\/api\//];
/** One page per shape: ids, codes and receipt numbers in a path make one kind of page. */
const shape = (path) => path.split('/').map((s) => (/\d/.test(s) ? ':id' : s)).join('/');

/** Runs axe on the page; returns its serious and critical violations as lines of a report. */
async function audit(page, path) {
  const res = await page.goto(path);
  assert.ok(res.status() < 400, `${path} answered ${res.status()}`);
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3),
    }));
  });
  return violations
    .filter((v) => FAILING.has(v.impact))
    .map((v) => `${path}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.join(' | ')}`);
}

/** Audits every page `pages` lists; fails with the report of all violations found. */
async function auditAll(page, pages, t, who) {
  const report = [];
  for (const path of pages) report.push(...await audit(page, path));
  t.diagnostic(`${who}: ${pages.length} pages checked`);
  assert.deepEqual(report, [], `accessibility violations (${who}):\n${report.join('\n')}`);
}

const PUBLIC = ['/', '/login', '/register', '/policies', '/tools'];

// axe is injected as a script of the page, which the platform's Content-Security-Policy
// (script-src 'self') would refuse: the audit's browser lets it in. One pixel a point is enough
// to judge contrast and draws faster.
const AUDITED_PHONE = { ...PHONE, deviceScaleFactor: 1, bypassCSP: true };
const AUDITED_DESKTOP = { ...DESKTOP, bypassCSP: true };

for (const [device, name] of [[AUDITED_PHONE, '手机'], [AUDITED_DESKTOP, '桌面']]) {
  journey(`无障碍:公开页面无严重问题(${name})`, device, async ({ page, t }) => {
    await page.goto('/policies');
    const policy = await page.locator('main a[href^="/policies/"]').first().getAttribute('href');
    await auditAll(page, [...PUBLIC, policy], t, `anonymous on a ${name}`);
  });
}

// The roles in the order of how much they reach: later roles check only the kinds of page the
// earlier ones did not reach.
const ROLES = [
  'admin', 'enterprise', 'lead', 'handler', 'reviewer1', 'steward', 'finance',
  'efficiency', 'investment', 'discipline', 'bank', 'town',
];

/**
 * Audits, from where the person stands, the pages of the navigation and, one link on, one page of
 * each kind they link to, skipping the kinds in `seen` (and adding those it audits).
 */
async function auditReachable(page, seen) {
  const start = new URL(page.url()).pathname;
  const nav = await page.locator('header a[href]').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  const queue = [start, ...nav].map((path) => ({ path, depth: 0 }));
  const report = [];
  let audited = 0;
  while (queue.length > 0) {
    const { path, depth } = queue.shift();
    if (seen.has(shape(path)) || SKIP.some((re) => re.test(path))) continue;
    seen.add(shape(path));
    report.push(...await audit(page, path));
    audited += 1;
    if (depth > 0) continue;
    const links = await page.locator('main a[href^="/"]').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
    queue.push(...links.filter((l) => !seen.has(shape(l))).map((l) => ({ path: l, depth: depth + 1 })));
  }
  return { report, audited };
}

journey('无障碍:各角色导航可达的每一类页面无严重问题(手机)', AUDITED_PHONE, async ({ page, context, t }) => {
  const seen = new Set(PUBLIC.map(shape));
  const report = [];
  let checked = 0;
  for (const user of ROLES) {
    await context.clearCookies();
    await login(page, user);
    const found = await auditReachable(page, seen);
    report.push(...found.report.map((line) => `${user} ${line}`));
    checked += found.audited;
    t.diagnostic(`${user}: ${found.audited} new kinds of page`);
  }
  t.diagnostic(`${checked} pages checked`);
  assert.deepEqual(report, [], `accessibility violations:\n${report.join('\n')}`);
});
