// Shared helpers of the browser journeys: one headless Chromium per test file, a fresh browser
// context per journey, a watcher that fails the journey on console errors, page errors, failed
// requests and HTTP errors nobody asked for, logging in, screenshots and credit codes.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomInt } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..', '..');

export const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
if (!BASE_URL) {
  throw new Error('BASE_URL is not set: start the server and run tests/browser/run.sh, or export BASE_URL=http://127.0.0.1:PORT');
}
export const SCREENSHOT_DIR = resolve(REPO_ROOT, process.env.SCREENSHOT_DIR || 'artifacts/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const PASSWORD = 'Demo2026qq';

/** A phone of 2024 (iPhone 14/15 class). */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
};
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let browser;

/** Launches Chromium once for the calling test file and closes it when the file is done. */
export function useBrowser() {
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });
  after(async () => {
    await browser?.close();
  });
}

/**
 * Watches every page of a context. Anything that goes wrong fails the journey unless the journey
 * declared it beforehand with `expectStatus(status, path)` (an intentionally provoked error).
 */
export class Watch {
  constructor() {
    this.problems = [];
    this.expected = [];
  }

  /** Declares that one response of `status` for a URL whose path is `path` (string or RegExp) is wanted. */
  expectStatus(status, path) {
    const entry = { status, path, seen: 0 };
    this.expected.push(entry);
    return entry;
  }

  #isExpected(status, url) {
    const { pathname } = new URL(url);
    return this.expected.find(
      (e) => e.status === status && (e.path instanceof RegExp ? e.path.test(pathname) : e.path === pathname),
    );
  }

  attach(page) {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      // Chromium repeats each HTTP error response as "Failed to load resource: ... status of N";
      // the response listener below judges those (and excuses the expected ones).
      if (/^Failed to load resource: the server responded with a status of \d{3}/.test(text)) return;
      this.problems.push(`console error on ${page.url()}: ${text}`);
    });
    page.on('pageerror', (err) => this.problems.push(`page error on ${page.url()}: ${err.message}`));
    page.on('requestfailed', async (req) => {
      const error = req.failure()?.errorText;
      // A download ends its page request as aborted: the browser hands the body to the download.
      if (error === 'net::ERR_ABORTED') {
        const res = await req.response().catch(() => null);
        if (res && res.status() < 400 && /attachment/.test(res.headers()['content-disposition'] || '')) return;
      }
      this.problems.push(`request failed: ${req.method()} ${req.url()} (${error})`);
    });
    page.on('response', (res) => {
      const status = res.status();
      if (status < 400) return;
      const hit = this.#isExpected(status, res.url());
      if (hit) hit.seen += 1;
      else this.problems.push(`HTTP ${status} for ${res.request().method()} ${res.url()}`);
    });
  }

  assertClean() {
    assert.deepEqual(this.problems, [], 'the pages produced errors');
    for (const e of this.expected) {
      assert.ok(e.seen > 0, `expected an HTTP ${e.status} for ${e.path}, none came`);
    }
  }
}

/**
 * Registers a journey: a test with its own browser context (PHONE or DESKTOP) and watched pages.
 * `fn({ context, page, watch, t })`; at the end the watcher must be clean. A failing journey leaves
 * a screenshot of where it stood in SCREENSHOT_DIR/failures/.
 */
export function journey(name, device, fn) {
  test(name, async (t) => {
    const watch = new Watch();
    const context = await newContext(device, watch);
    const page = await context.newPage();
    try {
      await fn({ context, page, watch, t });
      watch.assertClean();
    } catch (err) {
      try {
        const dir = join(SCREENSHOT_DIR, 'failures');
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, `${slug(name)}.png`), fullPage: true });
      } catch { /* the page may be gone */ }
      if (watch.problems.length) err.message += `\nalso seen:\n  ${watch.problems.join('\n  ')}`;
      throw err;
    } finally {
      await context.close();
    }
  });
}

/**
 * A browser context of `device` whose pages `watch` watches: the journey's own, or one more for
 * a journey in which several people act (each logged in in a context of their own; the journey
 * closes it). Downloads are refused unless `device` says `acceptDownloads: true`.
 */
export async function newContext(device, watch) {
  const context = await browser.newContext({
    acceptDownloads: false,
    ...device,
    baseURL: BASE_URL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);
  context.on('page', (p) => watch.attach(p));
  return context;
}

function slug(s) {
  return s.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 60);
}

/** Goes to `path` and asserts the document's HTTP status (200 unless told). Returns the response. */
export async function visit(page, path, status = 200) {
  const res = await page.goto(path);
  assert.ok(res, `no response for ${path}`);
  assert.equal(res.status(), status, `${path} answered ${res.status()}`);
  return res;
}

/** Clicks something that navigates and waits for the new document. */
export async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

/**
 * Follows the main navigation's link named `label` (the whole name), opening first the menu
 * (办事 / 监督 / 管理 / 我的) that holds it, as a person does.
 */
export async function navTo(page, label) {
  const nav = page.getByRole('navigation', { name: '主导航' });
  const named = (within) => within.getByRole('link', { name: label, exact: true, includeHidden: true });
  const link = named(nav);
  const menu = nav.locator('details').filter({ has: named(page) });
  if ((await menu.count()) > 0 && !(await menu.evaluate((d) => d.open))) {
    await menu.locator('summary').click();
  }
  await clickAndWait(page, link);
}

/** Logs in through the login form, as a person does; returns the landing URL's path. */
export async function login(page, username, password = PASSWORD) {
  await visit(page, '/login');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await clickAndWait(page, page.getByRole('button', { name: '登录' }));
  const path = new URL(page.url()).pathname;
  assert.notEqual(path, '/login', `login as ${username} failed: ${await page.locator('.alert').allInnerTexts()}`);
  return path;
}

/** Saves a full-page PNG named `name`.png in SCREENSHOT_DIR. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Wait for web fonts and layout to settle so the picture shows what a person sees.
  await page.evaluate(() => document.fonts?.ready);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Asserts the page does not scroll sideways (a phone layout must fit the screen's width). */
export async function assertNoHorizontalScroll(page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client + 1, `page ${page.url()} is ${scroll}px wide on a ${client}px screen`);
}

// 统一社会信用代码 (GB 32100-2015).
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

export function checkChar(first17) {
  let sum = 0;
  let w = 1;
  for (const c of first17) {
    sum += CHARSET.indexOf(c) * w;
    w = (w * 3) % 31;
  }
  return CHARSET[(31 - (sum % 31)) % 31];
}

/** A fresh valid enterprise code registered in the demo district (91 350521 ...). */
export function newCreditCode() {
  let body = '91350521QB';
  while (body.length < 17) body += CHARSET[randomInt(CHARSET.length)];
  return body + checkChar(body);
}

/** A short token that differs between runs (for names and user names). */
export function runTag() {
  return Date.now().toString(36).slice(-5) + randomInt(36 * 36).toString(36);
}

/** Opens the folded form (a `<details>`) whose summary reads `summary`, unless it is open already. */
export async function unfold(page, summary) {
  const details = page.locator('details', { has: page.locator('summary', { hasText: summary }) });
  if (!(await details.evaluate((d) => d.open))) {
    await details.locator('summary').first().click();
  }
}

/** What no person should read on a page: field codes, status codes and source paths. */
const RAW_CODE = [/@20\d\d/, /\.draft\b/, /crates\//, /\b[a-z]+(?:_[a-z]+)+\b/];

/**
 * Asserts the page's visible text holds no raw code (`rd_expense@2025`, `application.draft`, `crates/`).
 * Words people type are left out: a file format's description (`data-file-format`: its column names
 * are the file's words) and what is shown as it was typed (`data-as-typed`: an account's username,
 * which may be `m_wang`).
 */
export async function assertNoRawCode(page) {
  const text = await page.evaluate(() => {
    const formats = [...document.querySelectorAll('[data-file-format], [data-as-typed]')];
    for (const f of formats) f.style.display = 'none';
    const shown = document.body.innerText;
    for (const f of formats) f.style.display = '';
    return shown;
  });
  for (const re of RAW_CODE) {
    const hit = re.exec(text);
    assert.equal(hit, null, `${page.url()} shows raw code “${hit?.[0]}”`);
  }
}

/** Asserts that every same-origin link the page shows opens for its user (no 403, nor any error). */
export async function assertShownLinksOpen(page) {
  const origin = new URL(page.url()).origin;
  const hrefs = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.href));
  const paths = [...new Set(hrefs
    .map((h) => new URL(h))
    .filter((u) => u.origin === origin && u.pathname !== '/logout')
    .map((u) => u.pathname + u.search))];
  for (const path of paths) {
    const res = await page.request.get(path);
    assert.ok(res.status() < 400, `${page.url()} shows a link to ${path}, which answers ${res.status()}`);
  }
  return paths;
}
