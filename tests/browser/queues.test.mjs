// Lists and staff queues on a phone and at a desk: 工业和信息化局's 经办人 opens 诉求办理 on a phone
// on 待我处理, switches to 已超期 (every row marked) and 全部, pages on and searches by title; the
// request it opens shows one action unfolded. The enterprise's 我的诉求 is one card per request
// with title, status and due date on the screen. At a desk the same list is a table.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, SCREENSHOT_DIR, navTo,
} from './lib/harness.mjs';

useBrowser();

/** Asserts every element of `locator` is at least 44 px tall (a finger's tap target). */
async function assertTappable(locator, what) {
  for (const box of await locator.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height))) {
    assert.ok(box >= 44, `${what} is ${box}px tall`);
  }
}

/** The first screen, as the person sees it on opening the page (the full page is saved too). */
async function firstScreen(page, name) {
  await screenshot(page, name);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-screen.png`) });
}

const rows = (page) => page.locator('table.list tbody tr:not(:has(td.empty))');

journey('经办人手机上的诉求队列:待我处理、已超期标出、全部翻页、按标题搜索,办理页只展开下一步', PHONE, async ({ page }) => {
  await login(page, 'handler');
  await visit(page, '/requests');
  await page.getByRole('heading', { level: 1, name: '诉求办理' }).waitFor();
  const tabs = page.getByRole('navigation', { name: '队列' });
  assert.equal(await tabs.locator('[aria-current="page"]').innerText(), '待我处理');
  await assertNoHorizontalScroll(page);
  await assertTappable(tabs.getByRole('link'), 'a tab');
  await firstScreen(page, 'queue-mine-phone');

  await clickAndWait(page, tabs.getByRole('link', { name: '已超期' }));
  const late = await rows(page).count();
  assert.equal(await page.locator('table.list tbody tr.overdue').count(), late, 'every overdue row is marked');
  if (late > 0) {
    assert.match(await rows(page).first().innerText(), /已超期/);
  }
  await assertNoHorizontalScroll(page);
  await firstScreen(page, 'queue-overdue-phone');

  await clickAndWait(page, tabs.getByRole('link', { name: '全部' }));
  const pager = page.getByRole('navigation', { name: '分页' });
  assert.match(await pager.innerText(), /共 \d+ 条,第 1 \/ \d+ 页/);
  assert.equal(await rows(page).count(), 20, 'twenty a page');
  await assertTappable(pager.getByRole('link'), 'a page link');
  await clickAndWait(page, pager.getByRole('link', { name: '第 2 页' }));
  assert.equal(new URL(page.url()).searchParams.get('page'), '2');
  assert.equal(new URL(page.url()).searchParams.get('tab'), 'all');
  await assertNoHorizontalScroll(page);
  await firstScreen(page, 'queue-all-page2-phone');

  // A title seen on page 2, searched for: it is found, and the search box keeps it.
  const title = (await rows(page).first().locator('td.title a').innerText()).split('\n')[0].trim();
  await page.getByRole('searchbox').fill(title);
  await clickAndWait(page, page.getByRole('button', { name: '搜索' }));
  assert.equal(await page.getByRole('searchbox').inputValue(), title);
  const found = await rows(page).allInnerTexts();
  assert.ok(found.length >= 1 && found.every((r) => r.includes(title)), `${title}: ${found}`);
  await assertNoHorizontalScroll(page);
  await firstScreen(page, 'queue-search-phone');

  // The request opens with one action unfolded: the likely next step.
  await clickAndWait(page, page.getByRole('link', { name: 'SQ', exact: false }).first());
  const actions = page.locator('details.action');
  if ((await actions.count()) > 0) {
    assert.equal(await page.locator('details.action[open]').count(), 1, 'one action open');
    await assertTappable(actions.locator('summary'), 'an action');
  }
  await assertNoHorizontalScroll(page);
  await firstScreen(page, 'request-actions-phone');
});

journey('企业手机上的我的诉求:每条一张卡片,标题、状态、办结时限都在屏幕内', PHONE, async ({ page }) => {
  await login(page, 'enterprise');
  await navTo(page, '诉求');
  await page.getByRole('heading', { level: 1, name: '我的诉求' }).waitFor();
  assert.ok(await rows(page).count() > 0, 'the demo enterprise has requests');
  const width = page.viewportSize().width;
  const card = rows(page).first();
  for (const part of [card.locator('td.title'), card.locator('td[data-label="状态"] .status'), card.locator('td[data-label="办结时限"]')]) {
    const box = await part.boundingBox();
    assert.ok(box && box.width > 0 && box.x >= 0 && box.x + box.width <= width, `${await part.innerText()} on screen: ${JSON.stringify(box)}`);
  }
  assert.equal(await page.locator('table.list thead').isVisible(), false, 'cards, not a table header');
  await assertNoHorizontalScroll(page);
  await firstScreen(page, 'my-requests-phone');
});

journey('办公桌上的诉求队列是一张表:标题、企业、状态、时限各占一列', DESKTOP, async ({ page }) => {
  await login(page, 'handler');
  await visit(page, '/requests?tab=all');
  const headers = await page.locator('table.list thead th').allInnerTexts();
  assert.deepEqual(headers.slice(0, 2), ['标题', '企业']);
  assert.equal(await rows(page).count(), 20);
  await screenshot(page, 'queue-all-desk');
});
