// Journey 1: an enterprise user on a phone corrects a figure of their own profile.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  PHONE, useBrowser, journey, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll,
} from './lib/harness.mjs';

useBrowser();

journey('企业用户在手机上更正经营数据:错误标红、保留填写,改对后保存并留痕', PHONE, async ({ page, watch }) => {
  assert.equal(await login(page, 'enterprise'), '/portal');
  await page.getByRole('heading', { name: '我的企业' }).waitFor();
  const card = page.locator('main .card').first();
  const name = (await card.locator('h2').innerText()).trim();
  assert.ok(name.length > 0, 'the portal shows the enterprise card');
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'portal-phone');

  // Open the profile from the card.
  await clickAndWait(page, card.getByRole('link', { name: '查看企业画像' }));
  const code = new URL(page.url()).pathname.split('/').pop();
  assert.match(code, /^[0-9A-HJ-NP-RTUW-Y]{18}$/);
  await page.getByRole('heading', { level: 1, name }).waitFor();
  assert.ok(await page.locator('.tag.gov', { hasText: '政府数据' }).count() > 0, 'figures are tagged 政府数据');
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'profile-phone');

  // To the correction form; registry fields are not editable by an enterprise.
  await clickAndWait(page, page.getByRole('link', { name: '更正信息' }));
  assert.equal(new URL(page.url()).pathname, `/enterprises/${code}/edit`);
  assert.equal(await page.locator('input[name="name"]').count(), 0, 'an enterprise cannot edit its registered name');
  await page.getByText('来自登记机关').waitFor();

  // 纳税额 comes from the tax bureau (the demo's revenue was already corrected by the enterprise).
  const revenueName = await page.locator('input[name^="fig."][name$=".tax_paid"]').first().getAttribute('name');
  const year = revenueName.split('.')[1];
  const revenue = page.locator(`input[name="fig.${year}.tax_paid"]`);
  const employees = page.locator(`input[name="fig.${year}.employees"]`);
  const phone = page.getByLabel('联系电话');
  const oldRevenue = await revenue.inputValue();

  const typedEmployees = String(150 + randomInt(800));
  const typedPhone = `139${String(randomInt(1e8)).padStart(8, '0')}`;
  await employees.fill(typedEmployees);
  await phone.fill(typedPhone);
  await revenue.fill('12x');

  // A wrong figure: the page comes back (422) with that field marked and everything else kept.
  watch.expectStatus(422, `/enterprises/${code}/edit`);
  await clickAndWait(page, page.getByRole('button', { name: '保存' }));
  assert.equal(new URL(page.url()).pathname, `/enterprises/${code}/edit`);
  await page.getByRole('alert').filter({ hasText: '需要更正' }).waitFor();
  const cell = page.locator('td.field-error', { has: revenue });
  assert.equal(await cell.count(), 1, 'the tax cell is marked red');
  const message = (await cell.locator('.error-text').innerText()).trim();
  assert.ok(message.length > 0, 'the tax cell says what is wrong');
  assert.equal(await page.locator('.field-error').count(), 1, 'only the wrong field is marked');
  assert.equal(await revenue.inputValue(), '12x', 'the wrong value is kept for correction');
  assert.equal(await employees.inputValue(), typedEmployees, 'other typed figures are kept');
  assert.equal(await phone.inputValue(), typedPhone, 'other typed fields are kept');
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'edit-errors-phone');

  // Corrected: saved, back on the profile with the new value tagged 企业更正 and a correction row.
  const newRevenue = `${3_000_000 + randomInt(2_000_000)}.25`;
  assert.notEqual(newRevenue, oldRevenue);
  await revenue.fill(newRevenue);
  await clickAndWait(page, page.getByRole('button', { name: '保存' }));
  const url = new URL(page.url());
  assert.equal(url.pathname, `/enterprises/${code}`);
  assert.equal(url.searchParams.get('saved'), '1');
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor();

  const yearCard = page.locator('main .card', { has: page.getByRole('heading', { name: new RegExp(`^${year} 年`) }) });
  const revenueRow = yearCard.locator('tr', { hasText: '纳税额' });
  // Figures read with thousands separators on the profile.
  const grouped = newRevenue.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  assert.equal((await revenueRow.locator('td.num').innerText()).trim(), grouped);
  await revenueRow.locator('.tag.ent', { hasText: '企业更正' }).waitFor();
  const employeesRow = yearCard.locator('tr', { hasText: '从业人员' });
  assert.equal((await employeesRow.locator('td.num').innerText()).trim(), typedEmployees);
  assert.ok((await page.locator('main').innerText()).includes(typedPhone), 'the new phone number is shown');

  await page.getByRole('heading', { name: '企业更正记录' }).waitFor();
  const corrections = page.locator('table', { has: page.locator('th', { hasText: '更正人' }) });
  const row = corrections.locator('tbody tr', { hasText: grouped });
  assert.equal(await row.count(), 1, 'one correction row holds the new tax figure');
  const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
  // In words: the year and the figure's name, money with separators, the person's name.
  assert.equal(cells[0], `${year} 年纳税额(元)`);
  const oldGrouped = Number(oldRevenue).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  assert.equal(cells[1], oldGrouped, 'the correction row keeps the old value');
  assert.equal(cells[2], grouped);
  assert.equal(cells[3], '陈企业');
});
