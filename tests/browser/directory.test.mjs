// Journey: the district administrator builds a piece of the organisation tree and opens an
// account in it; the new colleague signs in, is made to choose a password, and reaches the
// workbench.
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, useBrowser, journey, login, clickAndWait, screenshot, runTag, newContext,
  assertNoHorizontalScroll, navTo,
} from './lib/harness.mjs';

useBrowser();

journey('管理员新建部门并在其中开设账户;新同事首次登录改密码后进入工作台', DESKTOP, async ({ page, watch }) => {
  const tag = runTag();
  const department = `测试发展局${tag}`;
  const username = `dept_${tag}`;
  assert.equal(await login(page, 'admin'), '/workbench');

  // 组织架构: a new department under the district, chosen with the picker.
  await navTo(page, '组织架构');
  const create = page.locator('form', { has: page.getByRole('heading', { name: '新建组织' }) });
  await create.getByLabel('组织名称').fill(department);
  await create.getByLabel('组织类型').selectOption({ label: '部门' });
  await create.getByPlaceholder(/输入名称筛选/).fill('投资区');
  await create.getByRole('radio', { name: /^泉州台商投资区 / }).check();
  await clickAndWait(page, create.getByRole('button', { name: '新建组织' }));
  await page.getByRole('status').filter({ hasText: '已创建组织' }).waitFor();
  await page.getByRole('cell', { name: department, exact: true }).waitFor();

  // A bank may not sit under a town: refused, and the reason is shown by the field.
  await create.getByLabel('组织名称').fill(`测试银行${tag}`);
  await create.getByLabel('组织类型').selectOption({ label: '银行' });
  await create.getByPlaceholder(/输入名称筛选/).fill('东园镇');
  await create.getByRole('radio', { name: /^东园镇 / }).check();
  watch.expectStatus(422, '/organisations');
  await clickAndWait(page, create.getByRole('button', { name: '新建组织' }));
  await page.locator('.field-error').filter({ hasText: '银行不能设在' }).first().waitFor();

  // The tree filters as one types.
  const tree = page.locator('.org-tree');
  await tree.getByPlaceholder(/输入名称筛选/).fill(department);
  assert.equal(await tree.getByRole('cell', { name: '财政局', exact: true }).isVisible(), false);
  assert.ok(await tree.getByRole('cell', { name: department, exact: true }).isVisible());
  await screenshot(page, 'organisations-manage');

  // 账户管理: an account in the new department, found by typing part of its name.
  await navTo(page, '账户管理');
  const form = page.locator('form', { has: page.getByRole('heading', { name: '开设账户' }) });
  await form.getByLabel('用户名').fill(username);
  await form.getByLabel('姓名').fill('赵新同事');
  await form.getByPlaceholder(/输入名称筛选/).fill(`发展局${tag}`);
  await form.getByRole('radio', { name: new RegExp(`^${department} `) }).check();
  await form.getByLabel('角色').selectOption({ label: '经办人' });
  await form.getByLabel('临时密码').fill('Start2026ok');
  await clickAndWait(page, form.getByRole('button', { name: '开设账户' }));
  await page.getByRole('status').filter({ hasText: '首次登录后须先设置新密码' }).waitFor();
  const row = page.locator('table tbody tr', { has: page.getByRole('cell', { name: username, exact: true }) });
  assert.equal((await row.locator('td').nth(2).innerText()).trim(), department);

  // The colleague, on a phone: sent to the password page, which says why; nothing else opens.
  const phone = await newContext(PHONE, watch);
  try {
    const p = await phone.newPage();
    assert.equal(await login(p, username, 'Start2026ok'), '/password');
    await p.getByRole('status').filter({ hasText: '临时密码' }).waitFor();
    await p.goto('/workbench');
    assert.equal(new URL(p.url()).pathname, '/password', 'nothing else works before the change');
    await assertNoHorizontalScroll(p);
    await p.getByLabel('当前密码').fill('Start2026ok');
    await p.getByLabel('新密码', { exact: true }).fill('Mine2026ok');
    await p.getByLabel('再次输入新密码').fill('Mine2026ok');
    await clickAndWait(p, p.getByRole('button', { name: '保存新密码' }));
    await p.getByRole('status').filter({ hasText: '新密码已生效' }).waitFor();
    assert.equal(await login(p, username, 'Mine2026ok'), '/workbench');
    await p.getByRole('heading', { name: '工作台' }).waitFor();
    await screenshot(p, 'new-colleague-workbench');
  } finally {
    await phone.close();
  }
});
