// 按比例分配 on a phone: the demo's 专精特新 awards (national and provincial) share one pool paid
// 按比例; their application period has ended with an approved grant waiting. The department's
// lead opens the policy, reads what allocating now would pay, allocates in one tap and sees the
// pool's grants queued for payment, also from the other policy sharing the pool.
import assert from 'node:assert/strict';
import {
  PHONE, useBrowser, journey, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll, assertNoRawCode,
} from './lib/harness.mjs';

useBrowser();

journey('部门负责人在手机上按比例核定已截止政策的资金池', PHONE, async ({ page }) => {
  await login(page, 'lead');
  await visit(page, '/policies/p6b-zjtx-provincial');
  const section = page.locator('#allocation + .card');
  await page.getByRole('heading', { name: '按比例分配(2025 年度)' }).waitFor();
  const text = await section.innerText();
  assert.match(text, /资金总额 ¥5,000,000\.00,由“国家级专精特新“小巨人”企业认定奖励”、“省级专精特新中小企业认定奖励”共用/);
  assert.match(text, /待核定 1 笔,申报核定合计 ¥200,000\.00;现在核定将全额核定,合计 ¥200,000\.00/);
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await screenshot(page, 'allocation-before-phone');

  await clickAndWait(page, section.getByRole('button', { name: '按比例核定并拨付' }));
  await page.getByRole('status').filter({ hasText: '已按比例核定:款项已排队拨付,企业已收到通知' }).waitFor();
  const after = await page.locator('#allocation + .card').innerText();
  assert.match(after, /本年度此前已核定 ¥200,000\.00/);
  assert.match(after, /没有待按比例核定的款项/);
  await screenshot(page, 'allocation-after-phone');

  // The same pool seen from the other policy sharing it: nothing waits there either.
  await visit(page, '/policies/p6a-zjtx-national');
  assert.match(await page.locator('#allocation + .card').innerText(), /本年度此前已核定 ¥200,000\.00/);
});
