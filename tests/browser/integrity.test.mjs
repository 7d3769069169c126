// Ratings, integrity and the figures, walked by the people who do them: the steward (亲清管家)
// rates a paid application 非常不满意 on the phone (and is stopped until it says why), the
// policy's department records its follow-up, the department lead finds a pledge false, finance
// records a partial repayment of the clawback (and is stopped from over-repaying), and the
// supervising office (效能办) reads the dashboard and exports it as CSV and XLSX.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  PHONE, DESKTOP, useBrowser, journey, newContext, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, runTag, navTo,
} from './lib/harness.mjs';

useBrowser();

const DEPARTMENT = '工业和信息化局';

/**
 * The steward's paid, not yet rated application (made with pledges, so not a 免申即享 grant) of a
 * policy of DEPARTMENT: its receipt number.
 */
async function paidApplicationOfDepartment(page) {
  await navTo(page, '服务企业');
  await page.getByRole('heading', { level: 1, name: '服务企业' }).waitFor();
  const lists = await page.getByRole('link', { name: '我的申报' }).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(lists.length >= 2, 'the steward acts for several enterprises');
  for (const list of lists) {
    await visit(page, list);
    const receipts = await page.locator('main article.card', { hasText: '已到账' }).locator('h2 a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href').split('/').pop()));
    for (const receipt of receipts) {
      await visit(page, `/applications/${receipt}`);
      const reviewedBy = await page.locator('ol.timeline').innerText();
      const pledged = await page.locator('main .pledge').count() > 0;
      if (pledged && reviewedBy.includes(DEPARTMENT) && await page.locator('#rating-form').count() === 1) return receipt;
    }
  }
  throw new Error(`no paid, unrated application of a ${DEPARTMENT} policy among the steward's enterprises`);
}

/** The yuan amount in a table cell ("1,234.50" or "1234.50") as a number of fen. */
function fen(text) {
  return Math.round(Number(text.replace(/[¥,\s]/g, '')) * 100);
}

journey('好差评与诚信:管家手机差评(须写意见)、部门回访整改、负责人认定虚假承诺并追回、财政登记退回(不能多退)、效能办看统计并导出', PHONE, async ({ page: steward, watch }) => {
  const tag = runTag();
  assert.equal(await login(steward, 'steward'), '/workbench');
  const receipt = await paidApplicationOfDepartment(steward);

  // 1. A bad rating needs a comment: the form says so and keeps the choice.
  const form = steward.locator('#rating-form');
  await form.getByLabel('非常不满意').check();
  await clickAndWait(steward, form.getByRole('button', { name: '提交评价' }));
  await steward.locator('#rating-form .error-text').first().waitFor();
  assert.equal(await steward.locator('#rating').count(), 0, 'nothing was recorded');
  const complaint = `资金到账前反复电话催问材料(${tag})`;
  await steward.locator('#rating-form').getByLabel('非常不满意').check();
  await steward.locator('#rating-form').getByLabel('意见(差评必填)').fill(complaint);
  await clickAndWait(steward, steward.locator('#rating-form').getByRole('button', { name: '提交评价' }));
  await steward.getByRole('status').filter({ hasText: '感谢评价' }).waitFor();
  const rating = steward.locator('#rating');
  assert.match(await rating.innerText(), new RegExp(`非常不满意:${complaint.replace(/[()]/g, '\\$&')}`));
  await assertNoHorizontalScroll(steward);
  await screenshot(steward, 'integrity-bad-rating-phone');

  const people = [];
  const person = async (username, device = DESKTOP) => {
    const context = await newContext(device, watch);
    people.push(context);
    const page = await context.newPage();
    await login(page, username);
    return page;
  };
  try {
    // 2. The policy's department answers the bad rating (回访整改).
    const handler = await person('handler');
    await visit(handler, `/applications/${receipt}`);
    await handler.getByLabel('回访整改情况(15 个工作日内)').fill(`已致电企业说明材料要求,今后一次告知(${tag})`);
    // Without a 核实结论 the follow-up is refused and says why.
    await clickAndWait(handler, handler.getByRole('button', { name: '记录回访' }));
    await handler.getByText('请选择核实结论').first().waitFor();
    await handler.getByLabel('回访整改情况(15 个工作日内)').fill(`已致电企业说明材料要求,今后一次告知(${tag})`);
    await handler.getByLabel('不属于履职问题').check();
    await clickAndWait(handler, handler.getByRole('button', { name: '记录回访' }));
    await handler.getByRole('status').filter({ hasText: '回访已记录' }).waitFor();
    assert.match(await handler.locator('#rating').innerText(), /回访整改:已致电企业[\s\S]*核实结论:不属于履职问题/);
    assert.equal(await handler.locator('#false-pledge-form').count(), 0, 'only the lead finds a pledge false');

    // 3. The lead finds the pledge false: the paid money is to be clawed back, the enterprise blocked.
    const lead = await person('lead');
    await visit(lead, `/applications/${receipt}`);
    const approved = (await lead.locator('dl.facts dt', { hasText: '核定金额' }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
    await lead.locator('#false-pledge-form').getByLabel('核查认定的事实').fill(`税务数据显示研发费用虚报(${tag})`);
    await clickAndWait(lead, lead.locator('#false-pledge-form').getByRole('button', { name: '认定并追回' }));
    const notice = await lead.getByRole('status').innerText();
    assert.ok(notice.includes(`已认定虚假承诺,应追回 ${approved}`), `${notice} (approved ${approved})`);
    await navTo(lead, '信用与追回');
    const record = lead.locator('main table tbody tr', { hasText: receipt }).filter({ hasText: '虚假承诺' });
    await record.waitFor();
    await screenshot(lead, 'integrity-false-pledge');

    // 4. Finance records the repayments: never more than is owed.
    const finance = await person('finance');
    await navTo(finance, '信用与追回');
    const claw = finance.locator('main table tbody tr', { hasText: receipt }).filter({ has: finance.getByRole('button', { name: '登记退回' }) });
    const cells = async () => (await claw.locator('td').allInnerTexts()).map((s) => s.trim());
    const [, , due, repaid, outstanding] = await cells();
    assert.equal(fen(due), fen(approved));
    assert.equal(fen(repaid), 0);
    assert.equal(fen(outstanding), fen(approved));
    await claw.getByLabel('退回金额').fill(((fen(due) + 1) / 100).toFixed(2));
    await clickAndWait(finance, claw.getByRole('button', { name: '登记退回' }));
    await finance.getByRole('alert').filter({ hasText: '没有登记任何一条' }).waitFor();
    assert.equal(fen((await cells())[3]), 0, 'the over-repayment changed nothing');
    const half = Math.floor(fen(due) / 2);
    await claw.getByLabel('退回金额').fill((half / 100).toFixed(2));
    await clickAndWait(finance, claw.getByRole('button', { name: '登记退回' }));
    await finance.getByRole('status').filter({ hasText: '已登记退回' }).waitFor();
    const after = await cells();
    assert.equal(fen(after[3]), half);
    assert.equal(fen(after[4]), fen(due) - half);
    await screenshot(finance, 'integrity-clawback-repaid');

    // 5. 效能办 reads the figures and exports them.
    const efficiency = await person('efficiency', { ...DESKTOP, acceptDownloads: true });
    await navTo(efficiency, '兑现统计');
    await efficiency.getByRole('heading', { level: 1, name: '惠企政策兑现统计' }).waitFor();
    assert.match(await efficiency.locator('#paid-total').innerText(), /^¥[\d,]+\.\d\d$/);
    assert.ok(await efficiency.locator('svg[role="img"] rect').count() >= 1, 'money paid per policy is charted');
    for (const [link, check] of [
      ['导出 CSV', (b) => assert.ok(b.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'CSV starts with the BOM')],
      ['导出 XLSX', (b) => assert.equal(b.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'XLSX is a ZIP package')],
    ]) {
      const [download] = await Promise.all([
        efficiency.waitForEvent('download'),
        efficiency.getByRole('link', { name: link }).click(),
      ]);
      check(await readFile(await download.path()));
    }
    await screenshot(efficiency, 'integrity-dashboard');
  } finally {
    for (const context of people) await context.close();
  }
});
