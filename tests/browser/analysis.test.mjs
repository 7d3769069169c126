// 诉求必应 beyond the single request: a 经办人 imports a 12345 hotline export (a wrong row is
// listed by row and column and nothing is registered; the same file twice registers nothing
// twice); the department lead reads the 研判 page and exports it; the administrator's routing
// rules refuse a wrong row, mark it and save nothing.
import assert from 'node:assert/strict';
import {
  DESKTOP, useBrowser, journey, newContext, login, visit, clickAndWait, screenshot, runTag,
} from './lib/harness.mjs';

useBrowser();

const HEAD = '工单编号,来电时间,企业名称,统一社会信用代码,诉求类别,诉求标题,诉求内容,联系人,联系电话,所属镇街\r\n';

function ticket(no, code, category, title) {
  return `${no},2026-11-20 09:30,演示企业,${code},${category},${title},流动资金贷款下月到期,张三,13800000000,东园镇\r\n`;
}

function csv(rows) {
  return { name: '12345工单.csv', mimeType: 'text/csv', buffer: Buffer.from(`\ufeff${HEAD}${rows.join('')}`) };
}

journey('12345 工单导入:错误行逐行列出且不导入,正确文件导入一次,重复导入全部跳过;研判页统计并导出', DESKTOP, async ({ page, watch }) => {
  const tag = runTag();
  const entContext = await newContext(DESKTOP, watch);
  let code;
  try {
    const ent = await entContext.newPage();
    await login(ent, 'enterprise');
    code = (await ent.getByRole('link', { name: '查看企业画像' }).getAttribute('href')).split('/').pop();
  } finally {
    await entContext.close();
  }

  await login(page, 'handler');
  await visit(page, '/requests');
  await clickAndWait(page, page.getByRole('link', { name: '12345 工单导入' }).first());
  assert.equal(new URL(page.url()).pathname, '/requests/import');
  const first = ticket(`GD${tag}1`, code, '融资服务', `转贷资金紧张${tag}`);
  const second = ticket(`GD${tag}2`, code, '融资服务', `转贷资金紧张${tag}`);
  watch.expectStatus(422, '/requests/import');
  await page.getByLabel('工单文件').setInputFiles(csv([first, ticket(`GD${tag}3`, code, '修路', '路灯不亮')]));
  await clickAndWait(page, page.getByRole('button', { name: '导入' }));
  const problem = page.locator('#import-problems tbody tr');
  assert.equal(await problem.count(), 1);
  assert.match(await problem.innerText(), /第 3 行[\s\S]*诉求类别[\s\S]*修路/);
  await screenshot(page, 'hotline-import-refused');

  await page.getByLabel('工单文件').setInputFiles(csv([first, second]));
  await clickAndWait(page, page.getByRole('button', { name: '导入' }));
  assert.match(await page.locator('#import-summary').innerText(), /已导入 2 条工单/);
  await page.getByLabel('工单文件').setInputFiles(csv([first, second]));
  await clickAndWait(page, page.getByRole('button', { name: '导入' }));
  assert.match(await page.locator('#import-summary').innerText(), /已导入 0 条工单,2 条此前已导入,已跳过/);

  // The lead reads the analysis: the two tickets of one enterprise on one subject are repeats.
  const leadContext = await newContext({ ...DESKTOP, acceptDownloads: true }, watch);
  try {
    const lead = await leadContext.newPage();
    await login(lead, 'lead');
    await visit(lead, '/requests/analysis');
    assert.ok(Number(await lead.locator('#total').innerText()) >= 2);
    const repeats = lead.locator('#repeat-subjects li', { hasText: `转贷资金紧张${tag}`.slice(0, 8) });
    assert.ok((await repeats.count()) >= 1, 'the same subject twice is a repeat');
    await screenshot(lead, 'request-analysis');
    const [download] = await Promise.all([
      lead.waitForEvent('download'),
      lead.locator('#export-csv').click(),
    ]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM, as Excel wants');
  } finally {
    await leadContext.close();
  }
});

journey('诉求分派规则:错误的一行被标出,整表不保存', DESKTOP, async ({ page, watch }) => {
  await login(page, 'admin');
  await visit(page, '/admin/request-routes');
  const prefix = page.locator('input[name="region_prefix"]').first();
  const original = await prefix.inputValue();
  await prefix.fill('35x');
  watch.expectStatus(422, '/admin/request-routes');
  await clickAndWait(page, page.getByRole('button', { name: '保存' }));
  await page.locator('tr.field-error .error-text').first().waitFor();
  assert.equal(await page.locator('input[name="region_prefix"]').first().inputValue(), '35x', 'the typed row is kept');
  await page.getByRole('alert').filter({ hasText: '未保存' }).waitFor();
  await visit(page, '/admin/request-routes');
  assert.equal(await page.locator('input[name="region_prefix"]').first().inputValue(), original, 'nothing was saved');
});
