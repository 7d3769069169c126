// 监督驾驶舱 on the demo: 效能办 opens the cockpit from the navigation, sees every scene's clocks by
// department with the overdue cells marked, follows one overdue cell to the items behind it and
// on to an item's trail, switches to towns and sorts by the longest delay; on a phone the same
// cockpit fits the screen.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll, navTo,
} from './lib/harness.mjs';

useBrowser();

journey('效能办在监督驾驶舱看到各部门各业务的逾期,点开逾期格子查看事项和留痕,再按镇街、按逾期最久排序', DESKTOP, async ({ page }) => {
  await login(page, 'efficiency');
  await navTo(page, '监督驾驶舱');
  await page.getByRole('heading', { name: '监督驾驶舱', level: 1 }).waitFor();

  // One column per scene, one row per department.
  const heads = await page.locator('table.cockpit thead th').allInnerTexts();
  for (const scene of ['惠企政策', '诉求必应', '政企合同']) {
    assert.ok(heads.some((h) => h.includes(scene)), `${scene} is a column: ${heads}`);
  }
  const overdueTotal = Number(await page.locator('.cockpit-summary .stat').first().innerText());
  assert.ok(overdueTotal > 0, 'the demo has overdue clocks');
  await screenshot(page, 'cockpit-desk');

  // An overdue cell leads to its items, each linked to its trail.
  const red = page.locator('table.cockpit td.tone-bad a').first();
  const label = await red.textContent();
  const overdueInCell = Number(await red.locator('strong').innerText());
  assert.ok(overdueInCell > 0, label);
  await clickAndWait(page, red);
  assert.equal(new URL(page.url()).pathname, '/supervision/clocks');
  const items = page.locator('ul.clock-list li.card');
  assert.ok((await items.count()) >= overdueInCell, `the cell ${label} lists its overdue items`);
  assert.match(await items.first().innerText(), /逾期/);
  await screenshot(page, 'cockpit-cell-items');
  await clickAndWait(page, items.first().getByRole('link').first());
  assert.match(new URL(page.url()).pathname, /^\/trace\//);
  await page.getByRole('heading', { name: '时限与预警' }).waitFor();

  // Items whose warnings reached nobody are grouped by the department that lacks accounts.
  await visit(page, '/supervision');
  const groups = page.locator('details.unreached-group');
  assert.ok((await groups.count()) > 0, 'the demo has departments without handlers');
  assert.match(await groups.first().locator('summary').innerText(), /\d+ 件/);

  // By town, sorted by the longest delay.
  await clickAndWait(page, page.getByRole('link', { name: '按镇街' }));
  await page.getByRole('columnheader', { name: '镇街' }).waitFor();
  await clickAndWait(page, page.getByRole('link', { name: '逾期最久' }));
  assert.equal(new URL(page.url()).searchParams.get('by'), 'town');
  assert.equal(await page.getByRole('link', { name: '逾期最久' }).getAttribute('aria-current'), 'true');
  const rows = page.locator('table.cockpit tbody tr');
  assert.ok((await rows.count()) > 1, 'several towns have clocks');
  await screenshot(page, 'cockpit-by-town');
});

journey('监督驾驶舱在手机上不横向溢出,汇总数字和趋势图可见', PHONE, async ({ page }) => {
  await login(page, 'discipline');
  await visit(page, '/supervision');
  await page.locator('.cockpit-summary').waitFor();
  await page.locator('figure.trend svg[role="img"]').waitFor();
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'cockpit-phone');
});
