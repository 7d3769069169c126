// Journey 5: the platform administrator opens an account and looks after the calendar and the
// organisation tree.
import assert from 'node:assert/strict';
import {
  DESKTOP, useBrowser, journey, login, clickAndWait, screenshot, runTag, navTo,
} from './lib/harness.mjs';

useBrowser();

journey('平台管理员开设账户并在列表中看到它;工作日历与组织架构可打开', DESKTOP, async ({ page, watch }) => {
  assert.equal(await login(page, 'admin'), '/workbench');
  await navTo(page, '账户管理');
  assert.equal(new URL(page.url()).pathname, '/admin/users');
  await page.getByRole('heading', { name: '账户管理' }).waitFor();

  const tag = runTag();
  // A dotted name, as districts give them (zhang.san): the phone walk reads this list too.
  const username = `t.${tag}`;
  const form = page.locator('form', { has: page.getByRole('heading', { name: '开设账户' }) });

  // Missing name: refused, the field is marked, what was typed stays.
  await form.getByLabel('用户名').fill(username);
  await form.getByLabel('临时密码').fill('Temp2026abc');
  watch.expectStatus(422, '/admin/users');
  await clickAndWait(page, form.getByRole('button', { name: '开设账户' }));
  await page.getByRole('alert').filter({ hasText: '标红' }).waitFor();
  assert.ok((await page.locator('.field-error').count()) >= 1);
  await page.locator('.field-error', { has: page.locator('#display_name') }).waitFor();
  assert.equal(await form.getByLabel('用户名').inputValue(), username);

  // Complete: created, and listed as waiting for its first password change.
  await form.getByLabel('姓名').fill('王测试');
  // The organisation picker: typing narrows the tree; the town is chosen from what is left.
  await form.getByPlaceholder(/输入名称筛选/).fill('东园镇');
  assert.equal(await form.getByRole('radio', { name: /^财政局 / }).isVisible(), false, 'the filter hides other organisations');
  await form.getByRole('radio', { name: /^东园镇 / }).check();
  const roles = await form.getByLabel('角色').locator('option').allInnerTexts();
  assert.ok(roles.some((r) => r.includes('经办人')), `roles offered: ${roles}`);
  await form.getByLabel('角色').selectOption({ label: roles.find((r) => r.includes('经办人')) });
  await form.getByLabel('临时密码').fill('Temp2026abc');
  await clickAndWait(page, form.getByRole('button', { name: '开设账户' }));
  await page.getByRole('status').filter({ hasText: '已开设账户' }).waitFor();
  const row = page.locator('table tbody tr', { has: page.getByRole('cell', { name: username, exact: true }) });
  assert.equal(await row.count(), 1, 'the new account is listed once');
  const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
  assert.equal(cells[1], '王测试');
  assert.equal(cells[2], '东园镇');
  assert.match(cells[3], /经办人/);
  assert.match(cells[4], /待改密码/);
  assert.equal(await form.getByLabel('用户名').inputValue(), '', 'the form is empty again after success');
  await screenshot(page, 'admin-users');

  // 工作日历: the calendar text is there to edit.
  await navTo(page, '工作日历');
  assert.equal(new URL(page.url()).pathname, '/admin/calendar');
  await page.getByRole('heading', { name: '工作日历' }).waitFor();
  const text = await page.getByLabel('日历数据').inputValue();
  assert.match(text, /\d{4}-\d{2}-\d{2},(holiday|workday),/, 'the calendar lists dates');
  await screenshot(page, 'admin-calendar');

  // 组织架构: the district tree with its towns and departments.
  await navTo(page, '组织架构');
  assert.equal(new URL(page.url()).pathname, '/organisations');
  await page.getByRole('heading', { name: '组织架构' }).waitFor();
  for (const org of ['东园镇', '张坂镇', '工业和信息化局']) {
    await page.getByRole('cell', { name: org, exact: true }).first().waitFor();
  }
  await page.getByRole('cell', { name: '350521101', exact: true }).first().waitFor();
  await screenshot(page, 'organisations');

  // The new account signs in and must set its own password first.
  await clickAndWait(page, page.locator('header').getByRole('button', { name: '退出' }));
  const landed = await login(page, username, 'Temp2026abc');
  assert.equal(landed, '/password', 'a new account is sent to change its temporary password');
  await page.getByRole('heading', { name: '修改密码' }).waitFor();
});
