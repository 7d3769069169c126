// Journey 2: an enterprise registers itself on a phone and signs the 诚信承诺书.
import assert from 'node:assert/strict';
import {
  PHONE, useBrowser, journey, visit, clickAndWait, screenshot, assertNoHorizontalScroll,
  newCreditCode, runTag,
} from './lib/harness.mjs';

useBrowser();

journey('企业在手机上自助注册:信用代码实时校验,未勾选承诺书被拦下,勾选后进入我的企业', PHONE, async ({ page, watch }) => {
  const tag = runTag();
  const code = newCreditCode();
  const wrongCode = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
  const form = {
    name: `泉州浏览器测试${tag}科技有限公司`,
    legal: '林测试',
    phone: '13905950123',
    industry: 'C3311',
    region: '350521101202',
    ownership: 'private',
    username: `reg_${tag}`,
    display: '林小清',
    password: 'Browser2026ok',
  };

  await visit(page, '/register');
  await page.getByRole('heading', { name: '企业注册' }).waitFor();
  await assertNoHorizontalScroll(page);

  // The credit code is checked while typing: a wrong check character is named, the right one passes.
  const codeInput = page.getByLabel('统一社会信用代码');
  await codeInput.pressSequentially(wrongCode, { delay: 5 });
  await page.locator('#credit_code + .error-text').filter({ hasText: '校验码' }).waitFor();
  await codeInput.fill('');
  await codeInput.pressSequentially(code, { delay: 5 });
  await page.locator('#credit_code + .hint.ok').filter({ hasText: '校验通过' }).waitFor();

  await page.getByLabel('企业名称').fill(form.name);
  await page.getByLabel('法定代表人').fill(form.legal);
  await page.getByLabel('联系电话').fill(form.phone);
  // The industry is found by name: typing 皮鞋 offers 皮鞋制造 (C1952); the chosen class is named.
  const industry = page.getByLabel('所属行业');
  await industry.pressSequentially('皮鞋', { delay: 5 });
  await page.locator('#industry_code-classes option[value="C1952"]').waitFor({ state: 'attached' });
  await industry.fill(form.industry);
  await page.locator('#industry_code ~ .hint').filter({ hasText: form.industry }).waitFor();
  await page.getByLabel('所在镇(村)').selectOption(form.region);
  await page.getByLabel('登记注册类型').selectOption(form.ownership);
  await page.getByLabel('用户名').fill(form.username);
  await page.getByLabel('联系人姓名').fill(form.display);
  await page.getByLabel('密码').fill(form.password);
  const pledge = page.getByRole('checkbox', { name: /诚信承诺书/ });
  assert.equal(await pledge.isChecked(), false);
  await screenshot(page, 'register-phone');

  // Without the pledge: refused, the pledge is marked, what was typed is kept except the password.
  watch.expectStatus(422, '/register');
  await clickAndWait(page, page.getByRole('button', { name: '注册并登录' }));
  assert.equal(new URL(page.url()).pathname, '/register');
  await page.getByRole('alert').filter({ hasText: '标红' }).waitFor();
  const marked = page.locator('.field-error');
  assert.equal(await marked.count(), 1, `only the pledge is marked, got: ${await marked.allInnerTexts()}`);
  assert.equal(await marked.locator('input[name="pledge_accepted"]').count(), 1, 'the marked field is the pledge');
  assert.ok((await marked.locator('.error-text').innerText()).trim().length > 0, 'the pledge says what is missing');
  assert.equal(await page.getByLabel('统一社会信用代码').inputValue(), code);
  assert.equal(await page.getByLabel('企业名称').inputValue(), form.name);
  assert.equal(await page.getByLabel('法定代表人').inputValue(), form.legal);
  assert.equal(await page.getByLabel('联系电话').inputValue(), form.phone);
  assert.equal(await page.getByLabel('所属行业').inputValue(), form.industry);
  assert.equal(await page.getByLabel('所在镇(村)').inputValue(), form.region);
  assert.equal(await page.getByLabel('登记注册类型').inputValue(), form.ownership);
  assert.equal(await page.getByLabel('用户名').inputValue(), form.username);
  assert.equal(await page.getByLabel('联系人姓名').inputValue(), form.display);
  assert.equal(await page.getByLabel('密码').inputValue(), '', 'the password is never sent back');
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'register-errors-phone');

  // Accept the pledge (tap), type the password again: registered and signed in.
  await pledge.tap();
  assert.equal(await pledge.isChecked(), true);
  await page.getByLabel('密码').fill(form.password);
  await clickAndWait(page, page.getByRole('button', { name: '注册并登录' }));
  assert.equal(new URL(page.url()).pathname, '/portal');
  const card = page.locator('main .card', { hasText: code });
  await card.getByRole('heading', { name: form.name }).waitFor();
  const text = await card.innerText();
  assert.ok(text.includes(form.legal), 'the card shows the legal representative');
  assert.ok(text.includes('东园镇 锦东村'), 'the card names the town and village');
  assert.ok(!text.includes(form.region), 'and shows the enterprise no division code');
  await page.locator('header .who', { hasText: form.display }).waitFor();

  // The new enterprise's own profile opens, and the pledge is on record.
  await clickAndWait(page, card.getByRole('link', { name: '查看企业画像' }));
  assert.equal(new URL(page.url()).pathname, `/enterprises/${code}`);
  await page.getByText('已签署诚信承诺书').waitFor();
});
