// Journey 3: a 经办人 of 工业和信息化局 on a desktop: workbench, enterprise register (search,
// pages, profile) and the all-or-nothing file import.
import assert from 'node:assert/strict';
import {
  DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot, newCreditCode, runTag, navTo,
} from './lib/harness.mjs';

useBrowser();

const COLUMNS = [
  'credit_code', 'name', 'industry_code', 'region_code', 'established_on', 'ownership', 'year',
  'employees', 'revenue', 'total_assets', 'tax_paid', 'rd_expense', 'equipment_investment',
  'fixed_asset_investment', 'tags', 'legal_representative', 'contact_phone', 'credit_status',
];

function csvRow(e) {
  return [
    e.code, e.name, 'C3311', e.region, '2018-04-16', 'private', '2025', '86', '23500000.00',
    '18800000.00', '760000.00', '520000.00', '', '1200000.00', '专精特新', '郑导入', '13805951234', 'good',
  ].join(',');
}

function csvFile(name, rows) {
  const text = [COLUMNS.join(','), ...rows.map(csvRow)].join('\r\n') + '\r\n';
  return { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') };
}

/** Rows of the list page: [{ name, code, region }]. */
async function listRows(page) {
  return page.locator('main table tbody tr').evaluateAll((trs) =>
    trs
      .filter((tr) => tr.querySelector('a'))
      .map((tr) => {
        const td = [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
        return { name: td[0], code: td[1], region: td[3] };
      }),
  );
}

async function search(page, fields) {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label).fill(value);
  await clickAndWait(page, page.getByRole('button', { name: '查询' }));
}

async function upload(page, file) {
  await page.getByLabel('选择 CSV 或 XLSX 文件').setInputFiles(file);
  // The page uploads with a progress bar and then shows the server's answer in place.
  const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/enterprises/import'));
  await page.getByRole('button', { name: '上传并导入' }).click();
  const request = await posted;
  assert.equal(request.resourceType(), 'xhr', 'the file goes up by the progress-bar upload of app.js');
  await page.locator('.alert').filter({ hasText: /导入成功|处错误|不是|请选择/ }).waitFor();
}

journey('经办人在电脑上:工作台、企业库检索翻页、企业画像、导入出错全部不导入、改正后导入成功', DESKTOP, async ({ page, watch }) => {
  await visit(page, '/login');
  await screenshot(page, 'login');
  assert.equal(await login(page, 'handler'), '/workbench');
  await page.getByRole('heading', { name: '工作台' }).waitFor();
  const scope = await page.locator('.card', { hasText: '数据范围' }).innerText();
  assert.match(scope, /全区|区划 350521\)/, `the handler's scope is the whole district: ${scope}`);
  const count = Number((await page.locator('.stat').innerText()).trim());
  assert.ok(count >= 300, `the handler sees the whole district, got ${count}`);
  await screenshot(page, 'workbench');

  // The register: total, first page of 30.
  await clickAndWait(page, page.getByRole('link', { name: '进入企业库' }));
  assert.equal(new URL(page.url()).pathname, '/enterprises');
  await page.getByRole('heading', { name: `企业库 共 ${count} 家` }).waitFor();
  const first = await listRows(page);
  assert.equal(first.length, 30);
  await screenshot(page, 'enterprise-list');

  // A name fragment shared by many: several pages, and the next page holds other enterprises.
  await search(page, { 企业名称或信用代码: '有限公司' });
  const pager = page.locator('.pager');
  const [, , pages] = /第 (\d+) \/ (\d+) 页/.exec(await pager.innerText());
  assert.ok(Number(pages) >= 2, 'the search result has several pages');
  const page1 = await listRows(page);
  assert.ok(page1.every((r) => r.name.includes('有限公司')));
  await clickAndWait(page, pager.getByRole('link', { name: '下一页' }));
  assert.equal(new URL(page.url()).searchParams.get('q'), '有限公司', 'the pager keeps the search');
  await pager.getByText(`第 2 / ${pages} 页`).waitFor();
  const page2 = await listRows(page);
  assert.ok(page2.length > 0 && page2.every((r) => r.name.includes('有限公司')));
  assert.ok(!page2.some((r) => page1.some((p) => p.code === r.code)), 'page 2 holds other enterprises');
  await clickAndWait(page, pager.getByRole('link', { name: '上一页' }));
  await pager.getByText(`第 1 / ${pages} 页`).waitFor();

  // A distinctive fragment of one name finds that enterprise; its link opens the profile.
  const target = page2[page2.length - 1];
  const fragment = [...target.name].slice(2, 6).join('');
  await search(page, { 企业名称或信用代码: fragment });
  const found = await listRows(page);
  assert.ok(found.some((r) => r.code === target.code), `searching “${fragment}” finds ${target.name}`);
  assert.ok(found.every((r) => r.name.includes(fragment)));
  await clickAndWait(page, page.getByRole('link', { name: target.name, exact: true }));
  assert.equal(new URL(page.url()).pathname, `/enterprises/${target.code}`);
  await page.getByRole('heading', { level: 1, name: target.name }).waitFor();
  await page.getByRole('heading', { name: '经营数据' }).waitFor();
  await screenshot(page, 'profile');

  // Import: a file with one bad credit code is refused whole, naming row and column.
  const tag = runTag();
  const good = [
    { code: newCreditCode(), name: `东园导入${tag}甲有限公司`, region: '350521101201' },
    { code: newCreditCode(), name: `东园导入${tag}乙有限公司`, region: '350521101203' },
  ];
  const badCode = good[1].code.slice(0, 17) + (good[1].code[17] === '0' ? '1' : '0');
  await navTo(page, '批量导入');
  assert.equal(new URL(page.url()).pathname, '/enterprises/import');
  watch.expectStatus(422, '/enterprises/import');
  await upload(page, csvFile('bad.csv', [good[0], { ...good[1], code: badCode }]));
  await page.getByRole('alert').filter({ hasText: '文件有 1 处错误' }).waitFor();
  const errors = page.locator('table', { has: page.locator('th', { hasText: '原因' }) }).locator('tbody tr');
  assert.equal(await errors.count(), 1);
  const cells = (await errors.first().locator('td').allInnerTexts()).map((s) => s.trim());
  assert.equal(cells[0], '3', 'the second data row is row 3 (the header is row 1)');
  assert.match(cells[1], /credit_code|统一社会信用代码/, 'the column is named');
  assert.equal(cells[2], badCode, 'the wrong value is shown');
  assert.match(cells[3], /校验码/, 'the reason is given');
  await screenshot(page, 'import-errors');

  // Nothing was imported, not even the good row.
  const check = await page.request.get(`/enterprises?q=${encodeURIComponent(`东园导入${tag}`)}`);
  assert.equal(check.status(), 200);
  assert.ok((await check.text()).includes('没有符合条件的企业'), 'the good row of a refused file is not imported');

  // The corrected file is uploaded again from the error page and goes in whole.
  await upload(page, csvFile('good.csv', good));
  await page.getByRole('status').filter({ hasText: '导入成功' }).waitFor();
  assert.match(await page.getByRole('status').innerText(), /共 2 行,新增企业 2 家/);
  await screenshot(page, 'import-ok');

  // Both are in the register, under 东园镇.
  await navTo(page, '企业库');
  await search(page, { 企业名称或信用代码: `东园导入${tag}`, 区划代码前缀: '350521101' });
  const imported = await listRows(page);
  assert.deepEqual(imported.map((r) => r.code).sort(), good.map((g) => g.code).sort());
  for (const r of imported) assert.ok(r.region.startsWith('350521101'));
  await clickAndWait(page, page.getByRole('link', { name: good[0].name }));
  await page.getByRole('heading', { level: 1, name: good[0].name }).waitFor();
  await page.getByRole('cell', { name: '23,500,000.00' }).waitFor();
});
