// 监督驾驶舱 on the demo: 效能办 opens the cockpit from the navigation, sees every scene's clocks by
// department with the overdue cells marked, follows one overdue cell to the items behind it and
// on to an item's trail, switches to towns and sorts by the longest delay. The charts of the
// cockpit, 兑现统计 and 诉求研判 are named images with their figures as text, on a phone and a desk.
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

/** Asserts every chart on the page is an SVG image named by a Chinese title, each bar tells its
 *  figure, the figures are there as a table, and no chart reaches past the screen. */
async function assertCharts(page) {
  const charts = page.locator('figure.chart svg[role="img"]');
  const count = await charts.count();
  assert.ok(count >= 1, `${page.url()} draws a chart`);
  const width = page.viewportSize().width;
  for (let i = 0; i < count; i += 1) {
    const svg = charts.nth(i);
    const title = await svg.locator(':scope > title').textContent();
    assert.match(title, /[\u4e00-\u9fff]/, 'the chart is titled in Chinese');
    assert.ok(await page.getByRole('img', { name: title }).count() >= 1, `the SVG is named “${title}”`);
    assert.match(await svg.locator(':scope > desc').textContent(), /共 \d+/);
    assert.match(await svg.locator('rect title').first().textContent(), /:[\d,.]+ /, 'a bar tells its figure');
    const box = await svg.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= width, `“${title}” fits the ${width}px screen`);
    const figure = svg.locator('xpath=..');
    await figure.locator('summary', { hasText: '数据表' }).click();
    assert.ok(await figure.locator('table tbody tr').count() >= 1, `“${title}” has its figures as a table`);
  }
}

for (const [device, name] of [[PHONE, 'phone'], [DESKTOP, 'desk']]) {
  journey(`驾驶舱、兑现统计和诉求研判的图表:中文标题的 SVG,每根柱子有确切数字,附数据表,不横向溢出(${name})`, device, async ({ page }) => {
    await login(page, 'efficiency');
    for (const [path, heading, shot] of [
      ['/supervision', '监督驾驶舱', 'cockpit'],
      ['/dashboard/policies', '惠企政策兑现统计', 'fulfilment'],
      ['/requests/analysis', '诉求研判', 'analysis'],
    ]) {
      await visit(page, path);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await assertCharts(page);
      await assertNoHorizontalScroll(page);
      await screenshot(page, `charts-${shot}-${name}`);
    }
  });
}
