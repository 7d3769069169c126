// The public front page: a visitor finds policies (search, the newest, the most used), learns how
// to submit a 诉求 and how to verify the trail, and whom to call; login stays one tap away. A
// person who is logged in lands on their own workbench instead.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, PASSWORD, useBrowser, journey, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, assertNoRawCode, assertShownLinksOpen,
} from './lib/harness.mjs';

useBrowser();

for (const device of [PHONE, DESKTOP]) {
  const name = device === PHONE ? 'phone' : 'desktop';
  journey(`首页(${name}):政策搜索、最新与办理最多的政策、诉求与核验说明、联系方式`, device, async ({ page }) => {
    await visit(page, '/');
    assert.equal(new URL(page.url()).pathname, '/', 'a visitor stays on the front page');
    await page.getByRole('heading', { level: 1, name: '亲清家园' }).waitFor();
    const card = (title) => page.locator('section.card', { has: page.getByRole('heading', { level: 2, name: title }) });
    const newest = card('最新政策').locator('ul a');
    assert.ok((await newest.count()) >= 3, 'the newest policies are listed');
    const used = card('办理最多的政策');
    assert.ok((await used.locator('ul a').count()) >= 1, 'the most used policies are listed');
    assert.match(await used.locator('li').first().innerText(), /已办理 \d+ 件/);
    await card('如何提交诉求').locator('ol li').first().waitFor();
    await card('如何核验办理留痕').getByText('验证全部记录').waitFor();
    await card('联系我们').getByRole('link', { name: '12345' }).waitFor();
    await assertNoRawCode(page);
    await assertShownLinksOpen(page);
    await assertNoHorizontalScroll(page);
    await screenshot(page, `front-${name}`);

    // Login is in the navigation and in the page.
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '登录' }).waitFor();
    await page.locator('main').getByRole('link', { name: '登录办事' }).waitFor();

    // The search box finds policies in the library.
    await page.getByLabel('搜索惠企政策').fill('研发');
    await clickAndWait(page, page.getByRole('search').getByRole('button', { name: '搜索' }));
    const url = new URL(page.url());
    assert.equal(url.pathname, '/policies');
    assert.equal(url.searchParams.get('q'), '研发');
    assert.ok((await page.locator('main mark').count()) > 0, 'the results mark the words searched');

    // A policy from the front page opens.
    await visit(page, '/');
    const title = (await newest.first().innerText()).trim();
    await clickAndWait(page, newest.first());
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  });
}

journey('首页:登录后回到各自的工作台', DESKTOP, async ({ page, context }) => {
  for (const [user, home] of [['enterprise', '/portal'], ['handler', '/workbench'], ['bank', '/workbench']]) {
    await context.clearCookies();
    await login(page, user);
    await visit(page, '/');
    assert.equal(new URL(page.url()).pathname, home, `${user} lands on ${home}`);
  }
});

journey('免申即享政策页:访客看到谁可以享受、可享多少,可登录查看是否可享,登录后回到政策页再看本企业', PHONE, async ({ page }) => {
  await visit(page, '/');
  const auto = page.locator('section.card', { has: page.getByRole('heading', { name: '最新政策' }) })
    .locator('li', { hasText: '免申即享' }).first().getByRole('link');
  const title = (await auto.innerText()).trim();
  await clickAndWait(page, auto);
  const policy = new URL(page.url()).pathname;
  assert.match(await page.locator('.card.terms').last().innerText(), /奖励/, '可享多少 says the amount in words');
  await clickAndWait(page, page.getByRole('link', { name: '登录查看是否可享' }));
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.getByLabel('用户名').fill('enterprise');
  await page.getByLabel('密码').fill(PASSWORD);
  await clickAndWait(page, page.getByRole('button', { name: '登录' }));
  assert.equal(new URL(page.url()).pathname, policy, 'the login returns to the policy');
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await clickAndWait(page, page.getByRole('link', { name: '查看本企业全部可享政策' }));
  assert.match(new URL(page.url()).pathname, /^\/enterprises\/\w+\/entitlements$/);
  await page.getByText(title).first().waitFor();
});
