// Every role on a phone (issue 17): each page a person reaches from the workbench in one tap fits
// the screen, reads in words (no field codes, event names or source paths) and shows only links
// that open for them.
import assert from 'node:assert/strict';
import {
  BASE_URL, PHONE, useBrowser, journey, login, assertNoHorizontalScroll, assertNoRawCode,
} from './lib/harness.mjs';

useBrowser();

const MAX_PAGES = 30;
const SKIP = [/^\/logout\b/, /\/export\.(csv|xlsx)$/, /\/file$/, /^\/api\//, /\.(pdf|xlsx|csv)$/];

/** Same-origin paths the page links to (navigation included), without downloads. */
async function linksOf(page) {
  const origin = new URL(BASE_URL).origin;
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.href));
  return [...new Set(hrefs
    .map((h) => new URL(h))
    .filter((u) => u.origin === origin && !SKIP.some((re) => re.test(u.pathname)))
    .map((u) => u.pathname + u.search))];
}

// Every account of the demo district but the reviewers 2 and 3 (the same pages as reviewer1),
// and of the offices 厂房报建 adds, 自然资源局's window clerk and lead (the others see the same).
const ROLES = [
  'enterprise', 'steward', 'handler', 'reviewer1', 'lead', 'finance', 'bank', 'efficiency',
  'investment', 'discipline', 'town', 'admin', 'zrj', 'zrj.lead',
];

for (const role of ROLES) {
  journey(`手机上每个角色:${role} 一步可达的页面都适合手机、说人话、链接都能打开`, PHONE, async ({ page, t }) => {
    await login(page, role);
    const home = new URL(page.url()).pathname;
    const pages = [home, ...(await linksOf(page)).filter((p) => p !== home)].slice(0, MAX_PAGES);
    const checked = new Set();
    for (const path of pages) {
      const res = await page.goto(path);
      assert.ok(res && res.status() < 400, `${role}: ${path} answered ${res?.status()}`);
      await assertNoHorizontalScroll(page);
      await assertNoRawCode(page);
      for (const link of await linksOf(page)) {
        if (checked.has(link)) continue;
        checked.add(link);
        const answer = await page.request.get(link);
        assert.ok(answer.status() < 400, `${role}: ${path} shows a link to ${link}, which answers ${answer.status()}`);
      }
    }
    t.diagnostic(`${role}: ${pages.length} pages walked, ${checked.size} links opened`);
  });
}
