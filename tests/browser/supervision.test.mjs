// 政企合同双兑现 supervision on the demo: 效能办 finds an overdue government item and its warning
// on the 承诺事项 desk (a phone) and answers it; 纪检 opens 监督的再监督 and sees the warnings left
// unanswered and the escalations; the supervision dashboard shows its figures and exports CSV
// (UTF-8 with BOM) and XLSX (a ZIP).
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll, navTo,
} from './lib/harness.mjs';

useBrowser();

journey('效能办在手机上的承诺事项看到逾期的政府方事项和预警,并督办一条', PHONE, async ({ page }) => {
  await login(page, 'efficiency');
  await visit(page, '/agreements/desk');
  await page.getByRole('heading', { name: '承诺事项', level: 1 }).waitFor();
  const overdue = page.locator('#desk-overdue tbody tr', { hasText: '配套道路建成通车' });
  await overdue.waitFor();
  assert.match(await overdue.innerText(), /政府方/);
  const warnings = page.locator('#desk-warnings tbody tr');
  const before = await warnings.count();
  assert.ok(before > 0, 'commitment warnings wait for 效能办');
  const row = warnings.filter({ hasText: '催告' }).filter({ hasText: '配套道路建成通车' });
  await row.locator('input[name="note"]').fill('已约谈住建局,限期两周');
  await screenshot(page, 'supervision-desk-phone');
  await assertNoHorizontalScroll(page);
  await clickAndWait(page, row.getByRole('button', { name: '已督办' }));
  await visit(page, '/agreements/desk');
  assert.equal(await page.locator('#desk-warnings tbody tr').count(), before - 1);
  assert.equal(
    await page.locator('#desk-warnings tbody tr', { hasText: '催告' }).filter({ hasText: '配套道路建成通车' }).count(),
    0,
  );
});

journey('纪检打开监督的再监督,看到未处理的警示、催告和上报纪检的事项', DESKTOP, async ({ page }) => {
  await login(page, 'discipline');
  await navTo(page, '再监督');
  assert.equal(new URL(page.url()).pathname, '/agreements/resupervision');
  const unacted = page.locator('#unacted tbody tr', { hasText: '兑现设备购置补助' });
  assert.ok((await unacted.count()) >= 1, 'the 催告 on 设备购置补助 waits');
  assert.match(await unacted.first().innerText(), /效能办/);
  const escalated = page.locator('#escalations tbody tr', { hasText: '组织联合验收' });
  await escalated.waitFor();
  assert.match(await escalated.innerText(), /未处理/);
  // 效能办 answered the demand on 电力增容 in the demo: it is not listed as unanswered.
  assert.equal(
    await page.locator('#unacted tbody tr', { hasText: '电力增容' }).filter({ hasText: '催告' }).count(),
    0,
  );
  await screenshot(page, 'supervision-resupervision');
});

journey('履约监督看板显示按期履约率、逾期天数和开工对比,导出 CSV 与 XLSX', DESKTOP, async ({ page, context }) => {
  await login(page, 'efficiency');
  await navTo(page, '履约监督');
  assert.match(await page.locator('#on-time-rate').innerText(), /^\d+\.\d\d%$/);
  assert.ok(Number(await page.locator('#delay-total').innerText()) > 0);
  const ahead = page.locator('main tr', { hasText: '高端装备制造产业园项目' }).last();
  assert.match(await ahead.innerText(), /130/);
  await screenshot(page, 'supervision-dashboard');
  const csvHref = await page.locator('#export-csv').getAttribute('href');
  const csv = await context.request.get(csvHref);
  assert.equal(csv.status(), 200);
  const csvBytes = await csv.body();
  assert.deepEqual([...csvBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'CSV starts with a UTF-8 BOM');
  assert.match(csvBytes.toString('utf8'), /按期履约率/);
  const xlsx = await context.request.get(await page.locator('#export-xlsx').getAttribute('href'));
  assert.equal(xlsx.status(), 200);
  assert.equal((await xlsx.body()).subarray(0, 4).toString('binary'), 'PK\x03\x04', 'XLSX is a ZIP');
});
