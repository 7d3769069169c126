// 亲清管家 and 亲情代办: the administrator assigns a steward to an enterprise on the desk and takes
// it off again; the enterprise, on its phone, revokes its steward's authorisation and grants a
// new one (first stopped for a missing date, what it chose kept), and its trail says so.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll, navTo,
} from './lib/harness.mjs';

useBrowser();

journey('管理员在页面上指派并取消亲清管家', DESKTOP, async ({ page }) => {
  assert.equal(await login(page, 'admin'), '/workbench');
  await navTo(page, '亲清管家');
  await page.getByRole('heading', { level: 1, name: '亲清管家' }).waitFor();
  const served = await page.locator('tr[data-assignment] td:nth-child(3)').allInnerTexts();
  const list = await (await page.request.get('/api/v1/enterprises?per_page=50')).json();
  const firm = list.items.find((e) => !served.includes(e.credit_code));
  assert.ok(firm, 'an enterprise without a steward');

  const form = page.locator('form', { has: page.getByRole('heading', { name: '指派亲清管家' }) });
  await form.getByLabel('亲清管家').selectOption({ label: '郑管家' });
  await form.getByLabel('企业统一社会信用代码').fill(firm.credit_code);
  await clickAndWait(page, form.getByRole('button', { name: '指派' }));
  await page.getByRole('status').filter({ hasText: '已指派亲清管家' }).waitFor();
  const row = page.locator('tr[data-assignment]', { hasText: firm.credit_code });
  assert.equal(await row.count(), 1, 'the new assignment is listed');
  await screenshot(page, 'admin-stewards');

  await clickAndWait(page, row.getByRole('button', { name: '取消指派' }));
  await page.getByRole('status').filter({ hasText: '已取消指派' }).waitFor();
  assert.equal(await page.locator('tr[data-assignment]', { hasText: firm.credit_code }).count(), 0);
});

journey('企业在手机上撤销并重新授权亲清管家代办,留痕写明', PHONE, async ({ page, watch }) => {
  assert.equal(await login(page, 'enterprise'), '/portal');
  await clickAndWait(page, page.getByRole('link', { name: '代办授权' }).first());
  await page.getByRole('heading', { level: 1, name: '代办授权' }).waitFor();
  await assertNoHorizontalScroll(page);
  const card = page.locator('[data-authorisation="郑管家"]', { hasText: '有效' });
  await clickAndWait(page, card.getByRole('button', { name: /撤销对 郑管家 的授权/ }));
  await page.getByRole('status').filter({ hasText: '已撤销授权' }).waitFor();
  await page.locator('[data-authorisation="郑管家"]', { hasText: '已撤销' }).first().waitFor();

  // Without a date: refused, the date marked, the steward and the matters kept.
  const form = page.locator('form', { has: page.getByRole('heading', { name: '新增授权' }) });
  await form.getByLabel(/郑管家/).check();
  for (const box of await form.getByRole('checkbox').all()) await box.check();
  watch.expectStatus(422, page.url().replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, ''));
  await clickAndWait(page, form.getByRole('button', { name: '授权' }));
  await page.locator('.field-error', { has: page.locator('#valid_until') }).waitFor();
  assert.ok(await form.getByLabel(/郑管家/).isChecked(), 'the chosen steward is kept');

  const until = new Date(Date.now() + 300 * 86400000).toISOString().slice(0, 10);
  await form.getByLabel(/有效至/).fill(until);
  await clickAndWait(page, form.getByRole('button', { name: '授权' }));
  await page.getByRole('status').filter({ hasText: '已授权' }).waitFor();
  await page.locator('[data-authorisation="郑管家"]', { hasText: until }).waitFor();
  await screenshot(page, 'enterprise-authorisations');

  await clickAndWait(page, page.getByRole('link', { name: '查看留痕' }));
  await page.getByRole('cell', { name: '撤销代办授权' }).first().waitFor();
  await page.getByRole('cell', { name: '授权代办' }).first().waitFor();
});
