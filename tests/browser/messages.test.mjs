// Journey: 站内信. The administrator resets an account's password; the platform tells the account
// holder by 站内信 (and queues an SMS to their phone, which the administrator sees in 消息记录).
// The holder sees the unread badge in the header, reads the message, and turns SMS off.
import assert from 'node:assert/strict';
import {
  DESKTOP, PHONE, useBrowser, journey, login, visit, clickAndWait, screenshot, runTag,
  assertNoHorizontalScroll, navTo,
} from './lib/harness.mjs';

useBrowser();

const badge = (page) => page.locator('header a.inbox .badge');

journey('重置密码后用户收到站内信:页头显示未读数,阅读后清零,可关闭短信', DESKTOP, async ({ page }) => {
  assert.equal(await login(page, 'admin'), '/workbench');

  // An account with a phone number (the account form has none; the API takes one).
  const username = `m_${runTag()}`;
  const phone = '13912345678';
  const csrf = await page.locator('header input[name=_csrf]').inputValue();
  const orgs = await (await page.request.get('/api/v1/organisations')).json();
  const org = orgs.find((o) => o.name === '财政局');
  const created = await page.request.post('/api/v1/admin/users', {
    headers: { 'X-CSRF-Token': csrf },
    data: { username, display_name: '林消息', phone, org_id: org.id, role: 'reviewer_2', password: 'Start2026ab' },
  });
  assert.equal(created.status(), 201, await created.text());

  // The administrator resets the password in the account list.
  await navTo(page, '账户管理');
  const row = page.locator('table tbody tr', { has: page.getByRole('cell', { name: username, exact: true }) });
  // The account's actions sit behind its 管理 disclosure.
  await row.locator('summary', { hasText: '管理' }).click();
  await row.getByLabel(`${username} 的新临时密码`).fill('Reset2026ab');
  await clickAndWait(page, row.getByRole('button', { name: '重置' }));
  await page.getByRole('status').filter({ hasText: '已重置密码' }).waitFor();

  // 消息记录: the SMS that goes (or, without a gateway, would go) to the phone.
  await navTo(page, '消息记录');
  assert.equal(new URL(page.url()).pathname, '/admin/outbox');
  await page.getByRole('heading', { name: /消息记录/ }).waitFor();
  const sms = page.locator('table tbody tr', { hasText: username });
  assert.equal(await sms.count(), 1, 'one SMS for the reset');
  const cells = (await sms.first().locator('td').allInnerTexts()).map((s) => s.trim());
  assert.match(cells[1], new RegExp(phone));
  assert.equal(cells[2], '短信');
  assert.match(cells[4], /^【亲清家园】账户密码已重置:/);
  assert.ok(!cells[4].includes('Reset2026ab'), 'the password is never sent');
  assert.match(cells[5], /待发送|已发送/);
  await screenshot(page, 'admin-outbox');
  await clickAndWait(page, page.locator('header').getByRole('button', { name: '退出' }));

  // The holder logs in with the temporary password; the header already counts the message.
  assert.equal(await login(page, username, 'Reset2026ab'), '/password');
  assert.equal((await badge(page).innerText()).trim(), '1');
  await page.getByLabel('当前密码').fill('Reset2026ab');
  await page.getByLabel('新密码', { exact: true }).fill('Mine2026abc');
  await page.getByLabel('再次输入新密码').fill('Mine2026abc');
  await clickAndWait(page, page.getByRole('button', { name: '保存新密码' }));
  assert.equal(await login(page, username, 'Mine2026abc'), '/workbench');
  assert.equal((await badge(page).innerText()).trim(), '1', 'the unread badge is on every page');

  // 站内信: the message, unread; reading it clears the badge.
  await clickAndWait(page, page.locator('header').getByRole('link', { name: /站内信/ }));
  assert.equal(new URL(page.url()).pathname, '/messages');
  await page.getByRole('heading', { level: 1, name: /站内信/ }).waitFor();
  assert.match(await page.locator('h1').innerText(), /1 条未读/);
  const message = page.locator('article.message', { hasText: '账户密码已重置' });
  assert.equal(await message.count(), 1);
  assert.match(await message.innerText(), /由平台管理员重置/);
  assert.match(await message.innerText(), /未读/);
  await screenshot(page, 'messages-unread');
  await clickAndWait(page, message.getByRole('button', { name: '标为已读' }));
  await page.getByRole('status').filter({ hasText: '已标为已读' }).waitFor();
  assert.equal(await badge(page).count(), 0, 'no badge once everything is read');
  assert.match(await page.locator('h1').innerText(), /没有未读消息/);
  assert.equal(await message.getByRole('button', { name: '标为已读' }).count(), 0);

  // 通知方式: SMS go to the phone on file until turned off; the site stays on.
  const prefs = page.locator('form', { has: page.getByRole('heading', { name: '通知方式' }) });
  assert.match(await prefs.innerText(), new RegExp(`短信发到 ${phone}`));
  assert.ok(await prefs.getByLabel(/站内信/).isDisabled(), '站内信 cannot be turned off');
  assert.ok(await prefs.getByLabel('短信').isChecked());
  await prefs.getByLabel('短信').uncheck();
  await clickAndWait(page, prefs.getByRole('button', { name: '保存通知方式' }));
  await page.getByRole('status').filter({ hasText: '通知方式已保存' }).waitFor();
  assert.equal(await prefs.getByLabel('短信').isChecked(), false, 'the choice is kept');
  await screenshot(page, 'messages');
});

journey('企业用户在手机上查看站内信,页面不横向滚动', PHONE, async ({ page }) => {
  assert.equal(await login(page, 'enterprise'), '/portal');
  await assertNoHorizontalScroll(page);
  await visit(page, '/messages');
  await page.getByRole('heading', { level: 1, name: /站内信/ }).waitFor();
  await page.getByRole('heading', { name: '通知方式' }).waitFor();
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'messages-phone');
});
