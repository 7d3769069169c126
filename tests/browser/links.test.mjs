// Link check: for each role, every same-origin link reachable within two clicks of the home page
// opens without an HTTP error, a console error or a failed request (the watcher of each journey).
import assert from 'node:assert/strict';
import {
  BASE_URL, PHONE, DESKTOP, useBrowser, journey, login,
} from './lib/harness.mjs';

useBrowser();

const MAX_PAGES = 60;
const MAX_DEPTH = 2;
const SKIP = [/^\/logout\b/, /\/export\.(csv|xlsx)$/];
/** Links that download a file instead of opening a page (checked by request below). */
const DOWNLOADS = [/^\/payouts\/batches\/\d+\/file$/, /^\/api\/v1\/agreements\/dashboard$/];

/** Visits pages breadth-first from the current page; returns the visited paths and the download links seen. */
async function crawl(page) {
  const origin = new URL(BASE_URL).origin;
  const start = new URL(page.url());
  const queue = [{ url: start.pathname + start.search, depth: 0, from: '(home)' }];
  const seen = new Set([queue[0].url]);
  const visited = [];
  const downloads = [];
  while (queue.length > 0 && visited.length < MAX_PAGES) {
    const { url, depth, from } = queue.shift();
    const res = await page.goto(url);
    assert.ok(res, `no response for ${url}`);
    assert.ok(res.status() < 400, `${url} (linked from ${from}) answered ${res.status()}`);
    assert.equal(await page.locator('h1').count(), 1, `${url} has one page heading`);
    visited.push(url);
    if (depth >= MAX_DEPTH) continue;
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.href));
    for (const href of hrefs) {
      const target = new URL(href, page.url());
      if (target.origin !== origin) continue;
      const key = target.pathname + target.search;
      if (seen.has(key) || SKIP.some((re) => re.test(target.pathname))) continue;
      seen.add(key);
      if (DOWNLOADS.some((re) => re.test(target.pathname))) {
        downloads.push(key);
        continue;
      }
      queue.push({ url: key, depth: depth + 1, from: url });
    }
  }
  return { visited, downloads };
}

for (const [role, device, minimum] of [
  ['enterprise', PHONE, 5],
  ['handler', DESKTOP, 30],
  ['admin', DESKTOP, 30],
]) {
  journey(`链接检查:${role} 从首页起两层内的链接都能打开`, device, async ({ page, context, t }) => {
    await login(page, role);
    const { visited, downloads } = await crawl(page);
    for (const path of downloads) {
      const res = await context.request.get(path);
      assert.equal(res.status(), 200, `${path} answered ${res.status()}`);
      assert.match(res.headers()['content-disposition'] || '', /attachment/, `${path} is a download`);
    }
    t.diagnostic(`${role}: ${visited.length} pages opened`);
    assert.ok(visited.length >= minimum, `${role} reached only ${visited.length} pages: ${visited.join(' ')}`);

    // The export links are downloads: they answer 200 with a file instead of a page.
    const exports = await context.request.get('/workbench').then((r) => r.text());
    for (const [path, type] of [['/enterprises/export.csv', 'text/csv'], ['/enterprises/export.xlsx', 'spreadsheetml']]) {
      if (role === 'enterprise' || !exports.includes('/enterprises/export.')) continue;
      const res = await context.request.get(path);
      assert.equal(res.status(), 200, `${path} answered ${res.status()}`);
      assert.ok((res.headers()['content-type'] || '').includes(type), `${path} is ${res.headers()['content-type']}`);
      assert.match(res.headers()['content-disposition'] || '', /attachment/);
      assert.ok((await res.body()).length > 1000, `${path} holds the district's data`);
    }
  });
}
