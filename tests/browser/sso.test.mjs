// Single sign-on against a real OpenID provider (the npm package oidc-provider, started by run.sh on
// this machine): the first sign-in proposes a link by a verified phone number and its owner
// confirms it with their password; later sign-ins go straight in; an unlinked, unverified or
// unknown person and a deactivated account are refused; an administrator can confirm instead.
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, useBrowser, journey, newContext, visit, login, clickAndWait, screenshot, runTag, navTo,
} from './lib/harness.mjs';

useBrowser();

const PROVIDER = (process.env.OIDC_ISSUER || '').replace(/\/+$/, '');
const TEMPORARY = 'Temp2026pass';
const OWN_PASSWORD = 'Qiao7-lin-river';

/** A JSON API session (cookie and CSRF token), as a script or another app would hold one. */
class ApiSession {
  static async login(username, password) {
    const res = await fetch(`${BASE_URL}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    assert.equal(res.status, 200, `API login as ${username}: ${await res.clone().text()}`);
    const session = new ApiSession();
    session.cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    session.csrf = (await res.json()).csrf_token;
    return session;
  }

  async call(method, path, body, status = 200) {
    const res = await fetch(`${BASE_URL}${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.equal(res.status, status, `${method} ${path}: ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

/** Opens a handler account with this phone number; its owner has chosen their own password. */
async function openAccount(admin, displayName, phone) {
  const orgs = await admin.call('GET', '/api/v1/organisations');
  const org = orgs.find((o) => o.name === '工业和信息化局');
  const username = `sso_${runTag()}`;
  const { id } = await admin.call('POST', '/api/v1/admin/users', {
    username, display_name: displayName, phone, org_id: org.id, role: 'handler', password: TEMPORARY,
  }, 201);
  const owner = await ApiSession.login(username, TEMPORARY);
  await owner.call('POST', '/api/v1/auth/password', { current_password: TEMPORARY, new_password: OWN_PASSWORD }, 204);
  return { id, username };
}

/** From the login page through the provider's sign-in form and back to the platform. */
async function signInThroughProvider(page, person, creditCode = '') {
  await visit(page, '/login');
  await clickAndWait(page, page.getByRole('link', { name: '使用统一身份认证登录' }));
  if (new URL(page.url()).origin === PROVIDER) {
    await page.getByLabel('统一身份认证账号').fill(person);
    await page.getByLabel('统一社会信用代码').fill(creditCode);
    await clickAndWait(page, page.getByRole('button', { name: '登录统一身份认证' }));
  }
  assert.equal(new URL(page.url()).origin, BASE_URL, 'the provider sends the person back');
  return new URL(page.url()).pathname;
}

async function linksOf(admin, displayName) {
  const links = await admin.call('GET', '/api/v1/admin/oidc-links');
  return links.filter((l) => l.display_name === displayName);
}

journey('统一身份认证:首次登录凭已核验手机号并以密码确认关联,之后直接登录;解除后须再确认', DESKTOP, async ({ page, watch }) => {
  assert.ok(PROVIDER, 'OIDC_ISSUER is set by run.sh');
  const admin = await ApiSession.login('admin', 'Demo2026qq');
  await openAccount(admin, '林统一', '139-1234-0001');

  // The login page offers single sign-on; the provider asks who the person is.
  await visit(page, '/login');
  await page.getByRole('link', { name: '使用统一身份认证登录' }).waitFor();
  await screenshot(page, 'sso-login');
  await clickAndWait(page, page.getByRole('link', { name: '使用统一身份认证登录' }));
  assert.equal(new URL(page.url()).origin, PROVIDER, 'the button leads to the provider');
  await page.getByLabel('统一身份认证账号').fill('sso-linked');
  await clickAndWait(page, page.getByRole('button', { name: '登录统一身份认证' }));

  // Back on the platform: the verified phone names the account, which is not linked silently.
  assert.equal(new URL(page.url()).pathname, '/auth/oidc/callback');
  await page.getByRole('heading', { name: '确认关联账户' }).waitFor();
  const text = await page.locator('main').innerText();
  assert.match(text, /139\*\*\*\*0001/, 'the masked verified phone is shown');
  assert.match(text, /林统一/);
  const pending = await linksOf(admin, '林统一');
  assert.equal(pending.length, 1);
  assert.equal(pending[0].confirmed, false, 'a proposed link is pending until confirmed');
  await screenshot(page, 'sso-confirm');

  // A wrong password confirms nothing; the page stays to try again.
  watch.expectStatus(422, '/auth/oidc/confirm');
  await page.getByLabel('本平台账户的密码').fill('Wrong2026river');
  await clickAndWait(page, page.getByRole('button', { name: '确认关联并登录' }));
  await page.getByRole('alert').filter({ hasText: '密码错误' }).waitFor();
  assert.equal((await linksOf(admin, '林统一'))[0].confirmed, false);

  await page.getByLabel('本平台账户的密码').fill(OWN_PASSWORD);
  await clickAndWait(page, page.getByRole('button', { name: '确认关联并登录' }));
  assert.equal(new URL(page.url()).pathname, '/workbench');
  const [link] = await linksOf(admin, '林统一');
  assert.equal(link.confirmed, true);
  assert.equal(link.matched_by, 'phone_number');
  assert.equal(link.issuer, PROVIDER);

  // Signed out, the next single sign-on goes straight to the workbench.
  await clickAndWait(page, page.locator('header').getByRole('button', { name: '退出' }));
  assert.equal(await signInThroughProvider(page, 'sso-linked'), '/workbench');
  await screenshot(page, 'sso-workbench');

  // The owner removes the link; single sign-on then needs a confirmation again.
  const cookies = await page.context().cookies(BASE_URL);
  const owner = new ApiSession();
  owner.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  owner.csrf = await page.locator('header input[name="_csrf"]').first().inputValue();
  const own = await owner.call('GET', '/api/v1/me/oidc-links');
  assert.equal(own.length, 1);
  await owner.call('POST', `/api/v1/oidc-links/${own[0].id}/unlink`, undefined, 204);
  assert.equal((await linksOf(admin, '林统一')).length, 0);
  await clickAndWait(page, page.locator('header').getByRole('button', { name: '退出' }));
  await signInThroughProvider(page, 'sso-linked');
  await page.getByRole('heading', { name: '确认关联账户' }).waitFor();
});

journey('统一身份认证的拒绝:伪造的回调、未核验或无对应账户的身份、停用的账户;管理员也可确认关联', DESKTOP, async ({ page, watch }) => {
  const admin = await ApiSession.login('admin', 'Demo2026qq');
  await openAccount(admin, '陈未核', '13912340002');
  const leaver = await openAccount(admin, '郑离岗', '13912340003');

  // An answer this browser never asked for.
  watch.expectStatus(422, '/auth/oidc/callback');
  await visit(page, '/auth/oidc/callback?code=forged&state=forged', 422);
  await page.getByRole('alert').filter({ hasText: '已失效' }).waitFor();

  // A phone number the provider has not verified proposes no link; nor does an unknown number.
  // (One expectation covers every refusal of this journey: the watcher counts them together.)
  watch.expectStatus(403, '/auth/oidc/callback');
  for (const [person, name] of [['sso-unverified', '陈未核'], ['sso-stranger', '路人甲']]) {
    const context = await newContext(DESKTOP, watch);
    const other = await context.newPage();
    assert.equal(await signInThroughProvider(other, person), '/auth/oidc/callback');
    await other.getByRole('alert').filter({ hasText: '还没有关联本平台的账户' }).waitFor();
    assert.equal((await linksOf(admin, name)).length, 0, `${person} is linked to nobody`);
    await context.close();
  }

  // The administrator confirms a proposed link instead of its owner.
  assert.equal(await signInThroughProvider(page, 'sso-leaver'), '/auth/oidc/callback');
  await page.getByRole('heading', { name: '确认关联账户' }).waitFor();
  const [proposed] = await linksOf(admin, '郑离岗');
  const lead = await ApiSession.login('lead', 'Demo2026qq');
  await lead.call('POST', `/api/v1/admin/oidc-links/${proposed.id}/confirm`, undefined, 403);
  await lead.call('POST', `/api/v1/oidc-links/${proposed.id}/unlink`, undefined, 404);
  const adminContext = await newContext(DESKTOP, watch);
  const adminPage = await adminContext.newPage();
  await login(adminPage, 'admin');
  await navTo(adminPage, '统一身份认证');
  const row = adminPage.locator('table tbody tr', { has: adminPage.getByRole('cell', { name: '郑离岗', exact: true }) });
  assert.match(await row.innerText(), /待确认/);
  await screenshot(adminPage, 'sso-admin-links');
  await clickAndWait(adminPage, row.getByRole('button', { name: '确认关联' }));
  assert.match(await row.innerText(), /已关联/);
  await adminContext.close();
  assert.equal(await signInThroughProvider(page, 'sso-leaver'), '/workbench');
  await clickAndWait(page, page.locator('header').getByRole('button', { name: '退出' }));

  // A deactivated account cannot come back through single sign-on either.
  await admin.call('POST', `/api/v1/admin/users/${leaver.id}/deactivate`, undefined, 204);
  assert.equal(await signInThroughProvider(page, 'sso-leaver'), '/auth/oidc/callback');
  await page.getByRole('alert').filter({ hasText: '已停用' }).waitFor();
});

journey('统一身份认证:企业用户凭统一社会信用代码提出关联,本人确认后登录', DESKTOP, async ({ page }) => {
  const enterprise = await ApiSession.login('enterprise', 'Demo2026qq');
  const me = await enterprise.call('GET', '/api/v1/auth/me');
  const code = me.enterprises[0];

  assert.equal(await signInThroughProvider(page, 'sso-enterprise', code), '/auth/oidc/callback');
  await page.getByRole('heading', { name: '确认关联账户' }).waitFor();
  const text = await page.locator('main').innerText();
  assert.match(text, /统一社会信用代码/);
  assert.ok(text.includes(code), 'the verified credit code is shown');
  assert.ok(text.includes(me.display_name), 'the enterprise account is named');
  await page.getByLabel('本平台账户的密码').fill('Demo2026qq');
  await clickAndWait(page, page.getByRole('button', { name: '确认关联并登录' }));
  const landed = new URL(page.url()).pathname;
  assert.ok(!['/login', '/auth/oidc/confirm'].includes(landed), `signed in, at ${landed}`);
  const own = await enterprise.call('GET', '/api/v1/me/oidc-links');
  assert.equal(own.length, 1);
  assert.equal(own[0].matched_by, 'credit_code');
});
