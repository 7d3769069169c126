// The navigation of every role of the demo: a few links and menus (办事 / 监督 / 管理 / 我的)
// that fit one row, only links the person may open, a bottom tab bar with icons for an
// enterprise on a phone, a skip link to the page's content and tap targets of at least 44 px.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, navTo, screenshot,
  assertNoHorizontalScroll,
} from './lib/harness.mjs';

useBrowser();

const ROLES = [
  'admin', 'enterprise', 'handler', 'reviewer1', 'lead', 'steward', 'finance',
  'efficiency', 'investment', 'discipline', 'bank', 'town',
];

/** The navigation's top level: each entry's name and whether it is a menu. */
async function topLevel(page) {
  return page.getByRole('navigation', { name: '主导航' }).locator(':scope > ul > li').evaluateAll((lis) =>
    lis.map((li) => ({ name: li.querySelector('.nav-top').textContent.trim(), menu: !!li.querySelector('details') })));
}

/** Asserts that `locator`'s boxes are all at least 44 × 44 px (WCAG 2.5.5 target size). */
async function assertTapTargets(locator, what) {
  const boxes = await locator.evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { text: e.textContent.trim(), w: r.width, h: r.height };
  }));
  assert.ok(boxes.length > 0, `no ${what}`);
  for (const b of boxes) assert.ok(b.w >= 44 && b.h >= 44, `${what} “${b.text}” is ${b.w}×${b.h} px`);
}

journey('导航:每个角色只见几个分组,一行放得下,链接都能打开(桌面)', DESKTOP, async ({ page, context, t }) => {
  for (const user of ROLES) {
    await login(page, user);
    const entries = await topLevel(page);
    assert.ok(entries.length >= 2 && entries.length <= 5, `${user}: ${entries.length} entries at the top`);
    const header = await page.locator('header.top').boundingBox();
    assert.ok(header.height <= 64, `${user}: the header is one row (${header.height} px)`);
    const hrefs = await page.getByRole('navigation', { name: '主导航' }).locator('a[href]')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of hrefs) {
      const res = await context.request.get(href);
      assert.ok(res.status() < 400, `${user}: the navigation links to ${href}, which answers ${res.status()}`);
    }
    t.diagnostic(`${user}: ${entries.map((e) => e.name + (e.menu ? '▾' : '')).join(' ')} (${hrefs.length} links)`);
    await clickAndWait(page, page.locator('header').getByRole('button', { name: '退出' }));
  }
});

journey('导航:银行人员不再看到打不开的“申报审核”', DESKTOP, async ({ page }) => {
  await login(page, 'bank');
  const shown = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(!shown.includes('/reviews'), 'no link to the review queue');
});

journey('导航:桌面上的菜单一次开一个,Esc 收起,当前页标在所属菜单上', DESKTOP, async ({ page }) => {
  await login(page, 'admin');
  const nav = page.getByRole('navigation', { name: '主导航' });
  await nav.locator('summary', { hasText: '管理' }).click();
  await nav.getByRole('link', { name: '账户管理' }).waitFor();
  await nav.locator('summary', { hasText: '监督' }).click();
  assert.equal(await nav.locator('details[open]').count(), 1, 'opening 监督 closes 管理');
  await page.keyboard.press('Escape');
  assert.equal(await nav.locator('details[open]').count(), 0, 'Escape closes the menu');
  await navTo(page, '工作日历');
  const current = nav.locator('details.active');
  assert.equal((await current.locator('summary').innerText()).trim(), '管理');
  assert.equal(await current.locator('a[aria-current=page]').textContent(), '工作日历');
  await screenshot(page, 'nav-admin-desktop');
});

journey('导航:企业手机底部标签栏(首页/政策/申报/诉求/我的),带图标,点得准', PHONE, async ({ page }) => {
  await login(page, 'enterprise');
  const nav = page.getByRole('navigation', { name: '主导航' });
  assert.deepEqual((await topLevel(page)).map((e) => e.name), ['首页', '政策', '申报', '诉求', '我的']);
  const bar = await nav.boundingBox();
  assert.ok(Math.abs(bar.y + bar.height - 844) <= 1, `the tab bar sits at the bottom of the screen (${bar.y}+${bar.height})`);
  assert.equal(await nav.locator('.nav-top svg use').count(), 5, 'every tab has its icon');
  await assertTapTargets(nav.locator('.nav-top'), 'tab');
  // The tab bar covers no content: the page's end scrolls clear of it.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const footer = await page.locator('footer').boundingBox();
  assert.ok(footer.y + footer.height <= (await nav.boundingBox()).y + 1, 'the footer ends above the tab bar');
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'nav-enterprise-phone');

  await navTo(page, '诉求');
  assert.equal(new URL(page.url()).pathname, '/requests');
  assert.equal(await nav.locator('a[aria-current=page]').innerText(), '诉求');
  await navTo(page, '申报');
  assert.match(new URL(page.url()).pathname, /^\/enterprises\/\w+\/applications$/);
  // 我的 opens upwards over the page, its links as tall as a finger.
  await nav.locator('summary', { hasText: '我的' }).click();
  await assertTapTargets(nav.locator('details[open] a'), 'menu link');
  await screenshot(page, 'nav-enterprise-phone-mine');
  await clickAndWait(page, nav.getByRole('link', { name: '政企合同' }));
  assert.equal(new URL(page.url()).pathname, '/agreements');
});

journey('导航:工作人员手机上一行分组,菜单铺满屏宽', PHONE, async ({ page }) => {
  await login(page, 'lead');
  const nav = page.getByRole('navigation', { name: '主导航' });
  const entries = await topLevel(page);
  assert.ok(entries.length <= 5, `${entries.length} entries`);
  await assertTapTargets(nav.locator('.nav-top'), 'navigation entry');
  await assertTapTargets(page.locator('header .who a, header .who button'), 'header control');
  const row = await nav.locator(':scope > ul').evaluate((ul) => ul.scrollWidth <= ul.clientWidth);
  assert.ok(row, 'the row does not scroll sideways');
  await nav.locator('summary', { hasText: '监督' }).click();
  const menu = await nav.locator('details[open] > ul').boundingBox();
  assert.ok(menu.width >= 360, `the menu spans the screen (${menu.width} px)`);
  await assertTapTargets(nav.locator('details[open] a'), 'menu link');
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'nav-lead-phone-menu');
  await clickAndWait(page, nav.getByRole('link', { name: '监督驾驶舱' }));
  assert.equal(new URL(page.url()).pathname, '/supervision');
});

journey('跳到正文:键盘第一下就到,回车后焦点在正文', PHONE, async ({ page }) => {
  await login(page, 'handler');
  await visit(page, '/requests');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: '跳到正文' });
  assert.ok(await skip.evaluate((a) => a === document.activeElement), 'the skip link comes first');
  const box = await skip.boundingBox();
  assert.ok(box.y >= 0, 'it shows when focused');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
});
