// 督办 on the demo: 效能办 opens the cockpit, follows an overdue cell of 工业和信息化局 to its items and
// issues a 督办 with a note and a deadline; the department's lead reads the 站内信 on a phone,
// opens the order and answers with the result; 效能办 sends it back once, then accepts it (办结).
// 监督的再监督 lists what nobody acted on; on a phone every page fits the screen.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll, navTo,
  assertNoRawCode, assertShownLinksOpen,
} from './lib/harness.mjs';
import { person, withPeople, fact } from './lib/fulfilment.mjs';

useBrowser();

journey('效能办在手机上从监督驾驶舱两步找到逾期事项发出督办,部门负责人在手机上收到站内信并报送结果,效能办退回一次后办结', PHONE, async ({ page, watch }) => {
  await login(page, 'efficiency');
  await navTo(page, '监督驾驶舱');
  // Two taps: the department's overdue cell, then the item's 督办.
  const row = page.locator('table.cockpit tbody tr', { has: page.locator('th', { hasText: '工业和信息化局' }) });
  await clickAndWait(page, row.locator('td.tone-bad a').first());
  assert.equal(new URL(page.url()).pathname, '/supervision/clocks');
  await assertNoHorizontalScroll(page);
  const item = page.locator('ul.clock-list li.card', { has: page.locator('details.order-form') }).first();
  const label = (await item.locator('strong').first().innerText()).trim();
  await item.locator('details.order-form summary').click();
  await item.getByLabel(`${label} 的督办要求`).fill('请于两个工作日内办结,并说明逾期原因');
  await item.getByLabel('办理时限(工作日)').fill('2');
  await screenshot(page, 'supervision-order-issue');
  await clickAndWait(page, item.getByRole('button', { name: '发出督办' }));
  const orderPath = new URL(page.url()).pathname;
  assert.match(orderPath, /^\/supervision\/orders\/\d+$/);
  await page.getByRole('heading', { name: '督办事项', level: 1 }).waitFor();
  assert.equal(await fact(page, '状态'), '待办理');
  assert.equal(await fact(page, '承办部门'), '工业和信息化局');
  assert.match(await fact(page, '办理时限'), /^2 个工作日/);
  await assertNoRawCode(page);

  await withPeople(async (people) => {
    const lead = await person(people, watch, PHONE, 'lead');
    await visit(lead, '/messages');
    const message = lead.locator('article.message', { hasText: '督办通知' }).filter({ hasText: label }).first();
    assert.match(await message.innerText(), /两个工作日内办结/);
    await assertNoHorizontalScroll(lead);
    await clickAndWait(lead, message.getByRole('link', { name: '查看详情 →' }));
    assert.equal(new URL(lead.url()).pathname, orderPath);
    await lead.getByLabel('办理结果').fill('已办结,逾期系企业补正材料所致,已约谈经办人');
    await assertNoHorizontalScroll(lead);
    await screenshot(lead, 'supervision-order-answer-phone');
    await clickAndWait(lead, lead.getByRole('button', { name: '报送办理结果' }));
    assert.equal(await fact(lead, '状态'), '已报结果,待审核');
    assert.equal(await lead.getByRole('button', { name: '报送办理结果' }).count(), 0, 'answered once');
    await assertShownLinksOpen(lead);

    // Sent back once for want of measures, answered again, then accepted.
    await visit(page, orderPath);
    assert.match(await fact(page, '办理结果'), /已约谈经办人/);
    await page.getByLabel('退回理由').fill('请补充整改措施');
    await clickAndWait(page, page.getByRole('button', { name: '退回' }));
    assert.equal(await fact(page, '状态'), '待办理');
    assert.equal(await fact(page, '退回理由'), '请补充整改措施');
    await visit(lead, orderPath);
    await lead.getByLabel('办理结果').fill('已建立逐日跟踪台账,本周内办结');
    await clickAndWait(lead, lead.getByRole('button', { name: '报送办理结果' }));
    await visit(page, orderPath);
    await clickAndWait(page, page.getByRole('button', { name: '办结' }));
    assert.equal(await fact(page, '状态'), '已办结');
    assert.match(await fact(page, '办理结果'), /逐日跟踪台账/);
  });
  await screenshot(page, 'supervision-order-closed');
});

journey('监督的再监督在手机上不横向溢出,列出无人处理的预警和上报纪检的事项', PHONE, async ({ page }) => {
  await login(page, 'discipline');
  await visit(page, '/supervision');
  await clickAndWait(page, page.getByRole('link', { name: /监督的再监督/ }));
  await page.getByRole('heading', { name: '监督的再监督', level: 1 }).waitFor();
  for (const heading of ['无人处理的预警', '上报纪检的事项', '尚未办结的督办']) {
    await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
  }
  const rows = page.locator('table.list tbody tr td.title');
  assert.ok((await rows.count()) > 0, 'the demo has late items nobody acted on');
  await page.locator('details.order-form summary').first().click();
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await screenshot(page, 'supervision-oversight-phone');
});

journey('纪检在手机上打开数智监督,看到逾期未回访的差评、深夜审批和自己录入自己审批,各有理由和涉及人员,点开即是申报', PHONE, async ({ page }) => {
  await login(page, 'discipline');
  await visit(page, '/supervision');
  await clickAndWait(page, page.getByRole('link', { name: /数智监督/ }));
  await page.getByRole('heading', { name: '数智监督', level: 1 }).waitFor();
  const rowsOf = (rule) => page.locator('div.list-wrap', { has: page.locator('td.title') })
    .filter({ has: page.locator(`xpath=preceding-sibling::h2[1][contains(., "${rule}")]`) })
    .locator('tbody tr');
  const rating = rowsOf('差评追责').first();
  assert.match(await rating.innerText(), /不满意[\s\S]*仍未回访/);
  assert.match(await rating.innerText(), /黄初审、吴复审/);
  const night = rowsOf('非工作时间审批').filter({ hasText: '23:40' }).first();
  assert.match(await night.innerText(), /深夜[\s\S]*核准[\s\S]*黄初审/);
  const own = rowsOf('自己录入自己审批').first();
  assert.match(await own.innerText(), /修改了该企业的资料:法定代表人[\s\S]*核对发布了该企业的免申即享[\s\S]*林经办/);
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await screenshot(page, 'supervision-flags-phone');
  await clickAndWait(page, rating.locator('td.title a').first());
  assert.match(new URL(page.url()).pathname, /^\/applications\//);
  await assertNoHorizontalScroll(page);
});

journey('部门负责人在手机上从监督驾驶舱打开部门评分,看到本年各部门排名、各项比率和得分图,切换到本月并下载表格', PHONE, async ({ page }) => {
  await login(page, 'lead');
  await visit(page, '/supervision');
  await clickAndWait(page, page.getByRole('link', { name: /部门评分/ }));
  await page.getByRole('heading', { name: '部门评分', level: 1 }).waitFor();
  const first = page.locator('table.list tbody tr').first();
  assert.match(await first.innerText(), /第 1 名\s+\d+\.\d\s+分\s+\d+\.\d%\s+\d+ \/ \d+ 件/);
  await page.getByRole('img', { name: /各部门综合得分/ }).waitFor();
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await screenshot(page, 'supervision-scorecard-phone');
  const month = await page.locator('select[name=period] option').nth(2).getAttribute('value');
  await page.getByLabel('统计期间').selectOption(month);
  await clickAndWait(page, page.getByRole('button', { name: '查看' }));
  assert.equal(new URL(page.url()).searchParams.get('period'), month);
  await page.getByText(/年 \d+ 月各部门在全部业务中的表现/).waitFor();
  const download = page.getByRole('link', { name: 'Excel 表格' });
  assert.match(await download.getAttribute('href'), new RegExp(`period=${month}&format=xlsx`));
});

journey('效能办在手机上从监督驾驶舱下载上个月的月度报告,PDF 供会诊日打印,Excel 供再加工', { ...PHONE, acceptDownloads: true }, async ({ page }) => {
  await login(page, 'efficiency');
  await visit(page, '/supervision');
  const form = page.locator('form.report-form');
  await form.getByRole('heading', { name: '月度报告' }).waitFor();
  const month = page.getByLabel('月份');
  const lastMonth = await month.inputValue();
  assert.match(lastMonth, /^\d{4}-\d{2}$/);
  assert.match(await month.locator('option:checked').innerText(), /^\d{4} 年 \d{1,2} 月$/);
  await assertNoHorizontalScroll(page);
  for (const [button, extension, magic] of [['下载 PDF', 'pdf', '%PDF-'], ['下载 Excel', 'xlsx', 'PK']]) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      form.getByRole('button', { name: button }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `monthly-report-${lastMonth}.${extension}`);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    assert.equal(bytes.subarray(0, magic.length).toString('latin1'), magic);
    assert.ok(bytes.length > 2000, `${extension} of ${bytes.length} bytes`);
  }
});
