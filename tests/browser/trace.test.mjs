// 纪检 opens the history (留痕) of an enterprise's profile and verifies every entry in the browser
// against the platform's signed checkpoint.
import assert from 'node:assert/strict';
import { DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot } from './lib/harness.mjs';

useBrowser();

journey('纪检在工作台看到上报的预警,打开企业画像的留痕,在浏览器中验证签名检查点和包含证明', DESKTOP, async ({ page }) => {
  assert.equal(await login(page, 'discipline'), '/workbench');
  // Many warnings wait for 纪检 in the demo: the search narrows the list to this one.
  await page.getByRole('searchbox').fill('更正的经营数据');
  await clickAndWait(page, page.getByRole('button', { name: '搜索' }));
  // The demo enterprise's correction went unchecked past its 3-working-day limit; the demand
  // went unanswered, so it reached 纪检.
  // (The demo's overdue commitment items have reached 纪检 too; this journey is about the correction.)
  const escalated = page.locator('main table tbody tr', { hasText: '上报纪检' }).filter({ hasText: '更正的经营数据' });
  await escalated.first().waitFor();
  assert.match(await escalated.first().innerText(), /核实.*更正的经营数据/);
  await clickAndWait(page, escalated.first().locator('a'));
  assert.match(new URL(page.url()).pathname, /^\/trace\/enterprise\/[0-9A-Z]{18}$/);
  await page.getByRole('heading', { name: '时限与预警' }).waitFor();
  const clock = await page.locator('main .card', { hasText: '核实' }).first().innerText();
  for (const grade of ['提醒', '警示', '催告', '上报纪检']) assert.ok(clock.includes(grade), `${grade} in ${clock}`);
  assert.match(clock, /已于 .* 发出/);
  const rows = page.locator('tr[data-entry-index]');
  assert.ok((await rows.count()) >= 5, 'import, correction and the warnings are on record');
  assert.match(await rows.first().innerText(), /批量导入/);
  assert.ok((await page.locator('tr[data-entry-index]', { hasText: '发出预警' }).count()) >= 4);

  await page.getByRole('button', { name: '验证全部记录' }).click();
  const status = page.locator('[data-verify-status]');
  await status.filter({ hasText: /检查点签名有效|验证失败|记录验证失败/ }).waitFor();
  const summary = await status.innerText();
  assert.match(summary, /检查点签名有效/, summary);
  // The demo import was signed by the checkpoint taken when the server started.
  assert.match(await rows.first().locator('[data-entry-result]').innerText(), /✓ 已验证/);
  assert.equal(await page.locator('.verify-bad').count(), 0);
  await screenshot(page, 'trace-verified');
});

journey('企业用户看得到本企业的留痕,看不到其他企业的', DESKTOP, async ({ page, watch }) => {
  assert.equal(await login(page, 'enterprise'), '/portal');
  const own = await page.locator('a', { hasText: '查看企业画像' }).first().getAttribute('href');
  await visit(page, `/trace/enterprise/${own.split('/').pop()}`);
  const foreign = '/trace/enterprise/91110000600037341L';
  watch.expectStatus(403, foreign);
  await visit(page, foreign, 403);
  assert.match(await page.locator('h1').innerText(), /无权访问/);
});

journey('经办人在留痕页暂停(待补正)、恢复并办结时限', DESKTOP, async ({ page }) => {
  assert.equal(await login(page, 'handler'), '/workbench');
  await page.getByRole('searchbox').fill('核实');
  await clickAndWait(page, page.getByRole('button', { name: '搜索' }));
  const warning = page.locator('main table tbody tr', { hasText: '核实' }).first();
  await clickAndWait(page, warning.locator('a'));
  const clock = page.locator('main .card', { hasText: '核实' }).first();
  await clickAndWait(page, clock.getByRole('button', { name: '暂停(待补正)' }));
  assert.match(await clock.innerText(), /已暂停/);
  await clickAndWait(page, clock.getByRole('button', { name: '恢复计时' }));
  assert.match(await clock.innerText(), /计时中/);
  await clickAndWait(page, clock.getByRole('button', { name: '办结' }));
  assert.match(await clock.innerText(), /已办结/);
  assert.equal(await clock.getByRole('button').count(), 0, 'a finished clock has nothing left to do');
  for (const action of ['暂停计时', '恢复计时', '办结']) {
    assert.ok((await page.locator('tr[data-entry-index]', { hasText: action }).count()) >= 1, `${action} is on record`);
  }
  await screenshot(page, 'trace-clock-stopped');
});
