// The public reference tools (查询工具), used on a phone without signing in.
import assert from 'node:assert/strict';
import {
  PHONE, useBrowser, journey, visit, screenshot, assertNoHorizontalScroll, newCreditCode,
} from './lib/harness.mjs';

useBrowser();

journey('查询工具:信用代码校验、企业划型、工作日推算(未登录,手机)', PHONE, async ({ page, watch }) => {
  await visit(page, '/tools');
  await page.getByRole('heading', { name: '查询工具' }).waitFor();
  await assertNoHorizontalScroll(page);

  // Credit code: checked as it is typed.
  const code = newCreditCode();
  await page.getByLabel('信用代码').pressSequentially(code, { delay: 5 });
  await page.locator('#tool_code + .hint.ok').filter({ hasText: '校验通过' }).waitFor();

  // Size class of a small manufacturer.
  const size = page.locator('form', { has: page.getByRole('heading', { name: '企业规模划型' }) });
  await size.getByLabel('行业代码').fill('C3311');
  await size.getByLabel('从业人员').fill('100');
  await size.getByLabel('营业收入').fill('50000000');
  await size.getByRole('button', { name: '划型' }).tap();
  const sizeOut = size.locator('[data-output]');
  await sizeOut.filter({ hasText: '小型企业' }).waitFor();
  assert.match(await sizeOut.getAttribute('class'), /ok/);

  // A wrong industry code: the tool says why (the API answers 422).
  watch.expectStatus(422, '/api/v1/reference/size-class');
  await size.getByLabel('行业代码').fill('X99');
  await size.getByRole('button', { name: '划型' }).tap();
  await sizeOut.filter({ hasText: 'X99' }).waitFor();
  assert.match(await sizeOut.getAttribute('class'), /error/);
  assert.ok(!(await sizeOut.innerText()).includes('undefined'));

  // Working days across the National Day holidays of 2026 (10-01..10-07, 10-10 is a 调休 workday).
  const days = page.locator('form', { has: page.getByRole('heading', { name: '工作日推算' }) });
  await days.getByLabel('起算日期').fill('2026-09-30');
  await days.getByLabel('工作日数').fill('3');
  await days.getByRole('button', { name: '推算' }).tap();
  const daysOut = days.locator('[data-output]');
  await daysOut.filter({ hasText: /工作日.*\d{4}-\d{2}-\d{2}/ }).waitFor();
  const answer = await daysOut.innerText();
  assert.ok(!/\bN\b|undefined|\{/.test(answer), `the answer reads as a sentence: ${answer}`);
  assert.match(answer, /3/, `the answer names the number of working days: ${answer}`);
  const date = answer.match(/\d{4}-\d{2}-\d{2}/g).pop();
  assert.ok(date > '2026-10-07', `the holidays are skipped: ${answer}`);
  await screenshot(page, 'tools');
});
