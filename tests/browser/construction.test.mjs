// 厂房报建全网办 on a phone: an enterprise registers its project (a mistake is caught and what was
// typed kept), sees every matter it needs stage by stage, files a statement in the project's
// 数据云柜 once and applies for the first matter with it (the next matter later takes the
// licence itself from the 云柜); the
// 发展和改革局's window takes it in on the clock, surveys the site from a phone (refused away
// from it, checked in with location and photo on it), and its lead approves; the licence's QR
// code, scanned, verifies it to a logged-out phone. And 模拟审批: the demo's
// 新建标准厂房项目 has no land title yet, so 自然资源局's lead approves its 建设工程规划许可证 as
// 模拟, on conditions until a date; the land's registration owes a fee, which the enterprise
// reads on its phone and pays under the order's number (the non-tax payment system's signed
// notice settles it); when the land is registered, the permit becomes formal without a new
// application. And 集中公示: 生态环境局 merges the notices of 环评 and 水保 into one period,
// a neighbour objects from a phone without logging in, and the answer is shown to everyone.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import jsQR from 'jsqr';
import {
  BASE_URL, PHONE, DESKTOP, useBrowser, journey, newContext, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll,
  assertNoRawCode, runTag, unfold,
} from './lib/harness.mjs';

useBrowser();

/** Logs `username` in on a device of its own (a phone unless told), runs `fn(page)` and closes it. */
async function as(watch, username, fn, device = PHONE) {
  const context = await newContext(device, watch);
  try {
    const page = await context.newPage();
    await login(page, username);
    await fn(page);
  } finally {
    await context.close();
  }
}

/** The matter `name`'s entry on a project's page. */
function matter(page, name) {
  return page.locator('ul.matters > li').filter({ has: page.getByText(name, { exact: true }) });
}

/** Ticks the matter in its stage's form (one form per stage) and applies for what is ticked. */
async function applyFor(page, name) {
  const item = matter(page, name);
  await item.getByRole('checkbox').check();
  const form = page.locator('form[data-stage]').filter({ has: item });
  await clickAndWait(page, form.getByRole('button', { name: '申报所选事项' }));
  await page.getByRole('status').filter({ hasText: '已申报' }).waitFor();
}

/** Plays the non-tax payment system: tells the platform the order was paid, signed as it signs. */
async function paymentSystemNotifies(orderNo, amountFen, transactionId) {
  const body = JSON.stringify({ order_no: orderNo, amount_fen: amountFen, transaction_id: transactionId });
  const signature = createHmac('sha256', process.env.PAYMENT_SECRET).update(body).digest('hex');
  const answer = await fetch(`${BASE_URL}/api/v1/construction/payments/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-payment-signature': `sha256=${signature}` },
    body,
  });
  assert.equal(answer.status, 200, await answer.text());
}

/** A one-page PDF, as an enterprise's scanner would send a signed statement. */
const STATEMENT = {
  name: '产业政策符合性声明.pdf',
  mimeType: 'application/pdf',
  buffer: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'),
};

/**
 * Reads the QR code a licence PDF draws (black squares in its uncompressed page) as a scanner
 * would: the squares painted as pixels, four per module with a white margin, decoded by jsQR.
 */
function scanLicence(pdf) {
  const squares = [...pdf.toString('latin1').matchAll(/0 0 0 rg\s+([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re/g)]
    .map((m) => m.slice(1, 5).map(Number));
  assert.ok(squares.length > 100, 'the licence draws a QR code');
  const module = Math.min(...squares.map((s) => s[2])) - 0.05;
  const left = Math.min(...squares.map((s) => s[0]));
  const top = Math.max(...squares.map((s) => s[1]));
  const cells = squares.map(([x, y]) => [Math.round((top - y) / module), Math.round((x - left) / module)]);
  const width = Math.max(...cells.flat()) + 1;
  const scale = 4, margin = 4 * scale, side = width * scale + 2 * margin;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  for (const [row, column] of cells) {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const at = ((margin + row * scale + dy) * side + margin + column * scale + dx) * 4;
        pixels[at] = pixels[at + 1] = pixels[at + 2] = 0;
      }
    }
  }
  const code = jsQR(pixels, side, side);
  assert.ok(code, 'the QR code scans');
  return code.data;
}

/** A datetime-local value `minutes` from now in Beijing time (UTC+8), whatever this machine's zone. */
function minutesFromNow(minutes) {
  return new Date(Date.now() + (8 * 60 + minutes) * 60_000).toISOString().slice(0, 16);
}

/** A 1×1 PNG, as a phone's camera would send a photo. */
const PHOTO = {
  name: '现场.png',
  mimeType: 'image/png',
  buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
};

/**
 * 勘查 on the clerk's phone: appoints a survey on site now, is refused checking in 2.8 km away
 * (what was typed kept), then checks in from 100 m with the phone's location and a photo.
 */
async function surveyOnSite(clerk, watch, casePath) {
  await unfold(clerk, '安排勘查');
  await clerk.getByLabel('约定开始时间(北京时间)').fill(minutesFromNow(-10));
  await clerk.getByLabel('约定结束时间').fill(minutesFromNow(120));
  await clerk.getByLabel('现场中心纬度').fill('24.874512');
  await clerk.getByLabel('现场中心经度').fill('118.675103');
  await clerk.getByLabel('签到范围(米)').fill('300');
  await clickAndWait(clerk, clerk.getByRole('button', { name: '安排勘查' }));
  await clerk.getByRole('status').filter({ hasText: '勘查已安排' }).waitFor();

  const phone = clerk.context();
  await phone.grantPermissions(['geolocation']);
  await phone.setGeolocation({ latitude: 24.9, longitude: 118.675103 });
  await clerk.getByRole('button', { name: '获取当前位置' }).click();
  await clerk.getByText(/已获取当前位置/).waitFor();
  await clerk.getByLabel('现场照片').setInputFiles(PHOTO);
  await clerk.getByLabel('勘查意见').fill('现场与申报图纸一致,场地已平整');
  watch.expectStatus(422, new RegExp(`^${casePath}/surveys/\\d+/check-in$`));
  await clickAndWait(clerk, clerk.getByRole('button', { name: '签到并保存勘查记录' }));
  await clerk.locator('.field-error').filter({ hasText: '超出 300 米的现场范围' }).waitFor();
  assert.equal(await clerk.getByLabel('勘查意见').inputValue(), '现场与申报图纸一致,场地已平整');

  await phone.setGeolocation({ latitude: 24.875412, longitude: 118.675103 });
  await clerk.getByRole('button', { name: '获取当前位置' }).click();
  await clerk.getByText(/已获取当前位置/).waitFor();
  await clerk.getByLabel('现场照片').setInputFiles(PHOTO);
  await clickAndWait(clerk, clerk.getByRole('button', { name: '签到并保存勘查记录' }));
  await clerk.getByRole('status').filter({ hasText: '已签到' }).waitFor();
  const survey = clerk.locator('#surveys');
  assert.match(await survey.innerText(), /已签到[\s\S]*签到位置距现场中心 100 米[\s\S]*勘查意见:现场与申报图纸一致/);
  assert.equal(await survey.locator('[data-outside-window]').count(), 0, 'checked in within the window');
  assert.equal(await survey.locator('[data-typed-location]').count(), 0, 'the position came from the phone');
  await survey.locator('.photos img').waitFor();
  assert.ok(await survey.locator('.photos img').evaluate((img) => img.naturalWidth > 0), 'the photo shows');
  await assertNoHorizontalScroll(clerk);
  await assertNoRawCode(clerk);
  await screenshot(clerk, 'construction-survey-phone');
}

journey('企业在手机上登记工业项目并申报,发改局受理并准予备案', PHONE, async ({ page, watch }) => {
  const name = `年产 5 万台新能源电机项目 ${runTag()}`;
  await login(page, 'enterprise');
  await visit(page, '/projects');
  await unfold(page, '登记新项目');
  await page.getByLabel('项目名称').fill(name);
  await page.getByLabel('地块编号').fill('2026G-045');
  await page.getByLabel('建设地点').fill('东园镇埭村');
  await page.getByLabel('总投资(元)').fill('很多');
  await page.getByLabel('总建筑面积(平方米)').fill('21000');
  watch.expectStatus(422, '/projects');
  await clickAndWait(page, page.getByRole('button', { name: '登记项目' }));
  await page.locator('.field-error').filter({ hasText: '总投资应为大于 0 的金额' }).waitFor();
  assert.equal(await page.getByLabel('项目名称').inputValue(), name, 'what was typed is kept');
  await page.getByLabel('总投资(元)').fill('80,000,000');
  await clickAndWait(page, page.getByRole('button', { name: '登记项目' }));

  await page.getByRole('heading', { name }).waitFor();
  for (const stage of ['立项用地规划许可阶段', '工程建设许可阶段', '施工许可阶段', '竣工验收阶段', '并行推进']) {
    await page.getByRole('heading', { name: new RegExp(`^${stage}`) }).waitFor();
  }
  const permit = matter(page, '建筑工程施工许可证核发');
  assert.match(await permit.innerText(), /需先办结:.*施工图设计文件审查/);
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await screenshot(page, 'construction-project-phone');
  const projectPath = new URL(page.url()).pathname;

  // 数据云柜: the statement is filed once; every matter that needs it takes it from there.
  const vault = page.locator('#vault');
  await vault.getByLabel('材料').selectOption('项目符合产业政策的声明');
  await vault.getByLabel('有效期至(长期有效的留空)').fill('2020-01-01');
  await vault.getByLabel('文件(PDF、OFD、JPG 或 PNG)').setInputFiles(STATEMENT);
  watch.expectStatus(422, `${projectPath}/vault`);
  await clickAndWait(page, vault.getByRole('button', { name: '存入数据云柜' }));
  await page.locator('#vault .field-error').filter({ hasText: '有效期请写今天或以后的日期' }).waitFor();
  assert.equal(await page.locator('#vault-material').inputValue(), '项目符合产业政策的声明', 'the choice is kept');
  await page.locator('#vault-valid').fill('');
  await page.locator('#vault-file').setInputFiles(STATEMENT);
  await clickAndWait(page, page.locator('#vault').getByRole('button', { name: '存入数据云柜' }));
  await page.getByRole('status').filter({ hasText: '已存入数据云柜' }).waitFor();
  assert.match(await page.locator('#vault').innerText(), /项目符合产业政策的声明 · 产业政策符合性声明\.pdf · 长期有效/);

  await applyFor(page, '企业投资项目备案');
  const filing = matter(page, '企业投资项目备案');
  assert.match(await filing.innerText(), /待受理/);
  const casePath = await filing.getByRole('link', { name: /查看办件/ }).getAttribute('href');

  await as(watch, 'fgj', async (clerk) => {
    await visit(clerk, casePath);
    const materials = await clerk.locator('#materials').innerText();
    assert.match(materials, /项目符合产业政策的声明:产业政策符合性声明\.pdf \(数据云柜\)/);
    assert.match(materials, /项目备案信息表.*:未提供/);
    await clickAndWait(clerk, clerk.getByRole('button', { name: '受理' }));
    await clerk.getByRole('status').filter({ hasText: '办理时限开始计算' }).waitFor();
    assert.match(await clerk.locator('main').innerText(), /办结期限\s*\d{4}-\d{2}-\d{2}.含当日./);
    await surveyOnSite(clerk, watch, casePath);
  });
  await as(watch, 'fgj.lead', async (lead) => {
    await visit(lead, casePath);
    await lead.getByLabel('审批意见(不予许可须写明理由和依据)').fill('予以备案');
    await clickAndWait(lead, lead.getByRole('button', { name: '提交决定' }));
    await lead.getByRole('status').filter({ hasText: '审批决定已作出' }).waitFor();
    assert.match(await lead.locator('main').innerText(), /准予许可/);
  });

  await visit(page, projectPath);
  assert.match(await matter(page, '企业投资项目备案').innerText(), /准予许可/);
  assert.match(await page.getByRole('heading', { name: /^立项用地规划许可阶段/ }).innerText(), /已办结 1 \//);
  await screenshot(page, 'construction-filed-phone');

  // 发证: the enterprise downloads its electronic licence; anyone who scans its QR code, logged
  // out, reads that the platform issued it and what it says.
  await visit(page, casePath);
  const pdfPath = await page.locator('a[data-licence]').getAttribute('href');
  const pdf = await page.request.get(pdfPath);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  const scanned = scanLicence(await pdf.body());
  assert.match(scanned, /^http:\/\/127\.0\.0\.1:\d+\/licences\/ZZ\w+\?h=[0-9a-f]{16}$/);
  const stranger = await newContext(PHONE, watch);
  try {
    const phone = await stranger.newPage();
    await visit(phone, scanned.replace(/^http:\/\/[^/]+/, ''));
    await phone.getByRole('status').filter({ hasText: '核验通过' }).waitFor();
    const text = await phone.locator('main').innerText();
    assert.match(text, /企业投资项目备案/);
    assert.match(text, new RegExp(name));
    assert.match(text, /发证机关\s*发展和改革局/);
    await assertNoRawCode(phone);
    await screenshot(phone, 'construction-licence-verified-phone');
  } finally {
    await stranger.close();
  }

  // The licence is in the 数据云柜 now: the next matter of the stage reuses it as its
  // 项目备案证明, never uploaded.
  await visit(page, projectPath);
  const firstStage = page.locator('section').filter({ has: page.getByRole('heading', { name: /^立项用地规划许可阶段/ }) });
  await firstStage.getByText('本阶段可申报事项所需材料').click();
  assert.match(await firstStage.innerText(), /项目备案证明:数据云柜已有\(平台核发的电子证照\)/);
  await applyFor(page, '建设项目用地预审与选址意见书核发');
  await visit(page, await matter(page, '建设项目用地预审与选址意见书核发').getByRole('link', { name: /查看办件/ }).getAttribute('href'));
  const given = page.locator('#materials li').filter({ hasText: '项目备案证明' });
  assert.match(await given.innerText(), /平台核发的电子证照/);
  await assertNoRawCode(page);
  await screenshot(page, 'construction-vault-reused-phone');
});

journey('模拟审批:尚无土地证时模拟准予规划许可,土地登记后自动转为正式', PHONE, async ({ page, watch }) => {
  // 自然资源局's lead finds the permit waiting in the office's cases.
  let casePath = '';
  await as(watch, 'zrj.lead', async (lead) => {
    await visit(lead, '/construction-cases');
    const row = lead.locator('table.list tbody tr')
      .filter({ hasText: '新建标准厂房项目' })
      .filter({ hasText: '建设工程规划许可证核发' });
    casePath = await row.getByRole('link').first().getAttribute('href');
    await visit(lead, casePath);
    watch.expectStatus(422, `${casePath}/decision`);
    assert.match(await lead.locator('main').innerText(), /尚未取得不动产权证:准予许可即为模拟审批/);
    // Without conditions and a date it cannot be approved; what was typed stays.
    await lead.getByLabel('审批意见(不予许可须写明理由和依据)').fill('方案符合规划条件');
    await clickAndWait(lead, lead.getByRole('button', { name: '提交决定' }));
    await lead.locator('.field-error').filter({ hasText: '请写明模拟审批的条件' }).waitFor();
    assert.equal(await lead.getByLabel('审批意见(不予许可须写明理由和依据)').inputValue(), '方案符合规划条件');
    await lead.getByLabel('模拟审批的条件').fill('以取得不动产权证为生效条件;规划指标不得调整');
    await lead.getByLabel('失效日期(届时仍未取得不动产权证即失效)').fill('2027-12-31');
    await clickAndWait(lead, lead.getByRole('button', { name: '提交决定' }));
    await lead.getByRole('status').filter({ hasText: '审批决定已作出' }).waitFor();
    const text = await lead.locator('main').innerText();
    assert.match(text, /模拟审批通过/);
    assert.match(text, /模拟审批失效日期\s*2027-12-31/);
    await assertNoHorizontalScroll(lead);
    await screenshot(lead, 'construction-simulated-phone');
  });

  // The enterprise applies for the land's registration from its project's page.
  await login(page, 'enterprise');
  await visit(page, '/projects');
  await clickAndWait(page, page.getByRole('link', { name: /新建标准厂房项目/ }));
  assert.match(await matter(page, '建设工程规划许可证核发').innerText(), /模拟审批通过/);
  await applyFor(page, '国有建设用地使用权首次登记(不动产权证书核发)');
  const registrationPath = await matter(page, '国有建设用地使用权首次登记(不动产权证书核发)')
    .getByRole('link', { name: /查看办件/ }).getAttribute('href');
  const projectPath = new URL(page.url()).pathname;

  await as(watch, 'zrj', async (clerk) => {
    await visit(clerk, registrationPath);
    await clickAndWait(clerk, clerk.getByRole('button', { name: '受理' }));
  });

  // 缴费: the enterprise reads what it owes, with the rate's legal basis, and pays in its bank's
  // app under the order's number; the payment system's notice settles it.
  await visit(page, registrationPath);
  const payment = page.locator('#payment');
  const due = await payment.innerText();
  assert.match(due, /待缴费/);
  assert.match(due, /不动产登记费\(非住宅类\)\s*550\.00 元\(1 件 × 550\.00 元\)/);
  assert.match(due, /发改价格规〔2016〕2559号/);
  assert.match(due, /合计\s*550\.00 元/);
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'construction-fee-due-phone');
  const orderNo = (await payment.locator('[data-order]').innerText()).trim();
  await paymentSystemNotifies(orderNo, 55000, `ICBC${runTag()}`);
  await visit(page, registrationPath);
  assert.match(await page.locator('#payment').innerText(), /已缴清[\s\S]*网上缴款/);

  const title = '闽(2026)泉州台商投资区不动产权第 0009876 号';
  await as(watch, 'zrj.lead', async (lead) => {
    await visit(lead, registrationPath);
    await lead.getByLabel('核发的不动产权证号').fill(title);
    await clickAndWait(lead, lead.getByRole('button', { name: '提交决定' }));
    await lead.getByRole('status').filter({ hasText: '审批决定已作出' }).waitFor();
    // The 模拟 permit is formal now, without a new application.
    await visit(lead, casePath);
    const text = await lead.locator('main').innerText();
    assert.match(text, /准予许可/);
    assert.match(text, /转为正式审批\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}.已取得不动产权证./);
    await screenshot(lead, 'construction-made-formal-phone');
  });

  await visit(page, projectPath);
  assert.ok((await page.locator('dl.facts').innerText()).includes(title), 'the land title is on the project');
  assert.match(await matter(page, '建设工程规划许可证核发').innerText(), /准予许可/);
  await assertNoRawCode(page);

  // 效能办 reads the conversion on the dashboard, with each project's days against the target.
  await as(watch, 'efficiency', async (desk) => {
    await visit(desk, '/construction/dashboard');
    const text = await desk.locator('main').innerText();
    assert.match(text, /模拟审批[\s\S]*已转正式 [1-9]\d* 件/);
    assert.match(text, /全流程目标\s*120/);
    // Stages and statuses are counted; the demo's cases were decided the day they came, so the
    // charts of working days may have nothing above zero to draw.
    assert.ok(await desk.locator('figure.chart svg').count() >= 2, 'the charts are drawn');
    await assertNoRawCode(desk);
    await screenshot(desk, 'construction-dashboard');
  }, DESKTOP);
});

journey('集中公示:环评与水保合并公示,群众在手机上提出意见,生态环境局答复并公开', PHONE, async ({ page, watch }) => {
  const title = `年产 10 万套智能卫浴生产线项目批前集中公示 ${runTag()}`;
  let noticePath = '';
  await as(watch, 'hbj', async (desk) => {
    await visit(desk, '/construction-cases');
    const row = desk.locator('table.list tbody tr').filter({ hasText: '建设项目环境影响报告表审批' });
    await visit(desk, await row.getByRole('link').first().getAttribute('href'));
    await unfold(desk, '发起集中公示');
    await desk.getByRole('checkbox', { name: /生产建设项目水土保持方案审批\(水利局\)/ }).check();
    await desk.getByLabel('公示标题').fill(title);
    await desk.getByLabel('公示内容').fill('项目年产智能卫浴 10 万套,废水经处理后纳入园区污水管网;水土保持措施投资 86 万元。');
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await desk.getByLabel('公示开始日期').fill(today);
    await desk.getByLabel('公示结束日期(含当日)').fill('2020-01-01');
    watch.expectStatus(422, /^\/construction-cases\/[^/]+\/notice$/);
    await clickAndWait(desk, desk.getByRole('button', { name: '发布公示' }));
    await desk.locator('.field-error').filter({ hasText: '公示结束日期不能早于开始日期' }).waitFor();
    assert.equal(await desk.getByLabel('公示标题').inputValue(), title, 'what was typed is kept');
    await desk.getByRole('checkbox', { name: /生产建设项目水土保持方案审批\(水利局\)/ }).check();
    const tenDaysOn = new Date(Date.now() + (8 + 9 * 24) * 3600_000).toISOString().slice(0, 10);
    await desk.getByLabel('公示结束日期(含当日)').fill(tenDaysOn);
    await clickAndWait(desk, desk.getByRole('button', { name: '发布公示' }));
    await desk.getByRole('status').filter({ hasText: '集中公示已发布' }).waitFor();
    const text = await desk.locator('main').innerText();
    assert.match(text, /建设项目环境影响报告表审批\(生态环境局\)/);
    assert.match(text, /生产建设项目水土保持方案审批\(水利局\)/);
    noticePath = new URL(desk.url()).pathname;
  }, DESKTOP);

  // A neighbour, not logged in, finds it on the list and objects; a wrong number is caught and
  // what was written kept.
  await visit(page, '/notices');
  await clickAndWait(page, page.getByRole('link', { name: new RegExp(title) }));
  assert.equal(new URL(page.url()).pathname, noticePath);
  await page.getByLabel('姓名').fill('李明');
  await page.getByLabel('联系电话').fill('12345');
  const objection = '项目废水排放口离锦厝村水井较近,请说明监测安排。';
  await page.getByLabel('意见和理由').fill(objection);
  watch.expectStatus(422, `${noticePath}/objections`);
  await clickAndWait(page, page.getByRole('button', { name: '提交意见' }));
  await page.locator('.field-error').filter({ hasText: '请填写可以回复您的电话' }).waitFor();
  assert.equal(await page.getByLabel('意见和理由').inputValue(), objection);
  await page.getByLabel('联系电话').fill('138 0595 6789');
  await clickAndWait(page, page.getByRole('button', { name: '提交意见' }));
  await page.getByRole('status').filter({ hasText: '您的意见已提交' }).waitFor();
  const mine = page.locator('.objection').filter({ hasText: objection });
  assert.match(await mine.innerText(), /李\*/);
  assert.doesNotMatch(await page.locator('main').innerText(), /13805956789|李明/, 'neither the number nor the full name is public');
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);

  await as(watch, 'hbj', async (desk) => {
    await visit(desk, noticePath);
    const theirs = desk.locator('.objection').filter({ hasText: objection });
    assert.match(await theirs.innerText(), /李明\(联系电话 13805956789\)/, 'the office sees who to call back');
    await theirs.getByLabel('答复').fill('废水经预处理后纳入园区管网,不设排放口;锦厝村水井每季度监测一次并公开结果。');
    await clickAndWait(desk, theirs.getByRole('button', { name: '公布答复' }));
    await desk.getByRole('status').filter({ hasText: '答复已公布' }).waitFor();
  }, DESKTOP);

  await visit(page, noticePath);
  assert.match(await page.locator('.objection').filter({ hasText: objection }).innerText(), /生态环境局答复[\s\S]*每季度监测一次/);
  await screenshot(page, 'construction-notice-phone');
});

journey('专家评审:自然资源局随机抽取规划专家(有利害关系的回避),专家在手机上凭链接评审', PHONE, async ({ page, watch }) => {
  let casePath = '';
  let links = [];
  await as(watch, 'zrj', async (desk) => {
    await visit(desk, '/construction-cases');
    const row = desk.locator('table.list tbody tr')
      .filter({ hasText: '年产 10 万套智能卫浴生产线项目' })
      .filter({ hasText: '建设用地规划许可证核发' });
    casePath = await row.getByRole('link').first().getAttribute('href');
    await visit(desk, casePath);
    await unfold(desk, '抽取评审专家');
    await desk.getByLabel('专业').selectOption({ label: '城乡规划' });
    await desk.getByLabel('抽取人数').fill('2');
    const inThreeDays = new Date(Date.now() + (8 + 3 * 24) * 3600_000).toISOString().slice(0, 10);
    await desk.getByLabel('意见截止日期(含当日)').fill(inThreeDays);
    await clickAndWait(desk, desk.getByRole('button', { name: '抽取专家' }));
    await desk.getByRole('status').filter({ hasText: '已抽取 2 名城乡规划专家' }).waitFor();
    const text = await desk.locator('main').innerText();
    assert.match(text, /郑国华\(福建省城乡规划设计研究院\):申报与建设单位.*存在利害关系/, 'the expert with a declared interest stands aside');
    links = await desk.locator('[data-invitation] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(links.length, 2);
    await screenshot(desk, 'construction-experts-drawn');
  }, DESKTOP);

  // The first expert reviews on a phone, logged out, by the link; a score out of range is caught
  // and the opinion kept.
  await visit(page, links[0]);
  await page.getByText('您被抽取为以下事项的城乡规划评审专家').waitFor();
  await page.getByLabel('评分(0–100)').fill('120');
  const opinion = '方案符合控制性详细规划,建议北侧退让用地红线不少于 10 米。';
  await page.getByLabel('评审意见', { exact: true }).fill(opinion);
  watch.expectStatus(422, links[0]);
  await clickAndWait(page, page.getByRole('button', { name: '提交' }));
  await page.locator('.field-error').filter({ hasText: '评分应为 0 至 100 的整数' }).waitFor();
  assert.equal(await page.getByLabel('评审意见', { exact: true }).inputValue(), opinion);
  await page.getByLabel('评分(0–100)').fill('85');
  await clickAndWait(page, page.getByRole('button', { name: '提交' }));
  await page.getByRole('status').filter({ hasText: '评审意见已提交' }).waitFor();
  assert.match(await page.locator('main').innerText(), /评分:85 分/);
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await screenshot(page, 'construction-expert-review-phone');

  await as(watch, 'zrj', async (desk) => {
    await visit(desk, casePath);
    const review = desk.locator('#reviews');
    assert.equal(await review.locator('[data-mean-score]').first().innerText(), '85.0');
    assert.match(await review.innerText(), /85 分,方案符合控制性详细规划/);
    assert.match(await review.innerText(), /待提交/);
  }, DESKTOP);
});

journey('容缺受理:生态环境局缺一项材料先行受理,企业在手机上补齐后准予许可', PHONE, async ({ page, watch }) => {
  // The enterprise applies for the 环评 of its 新建标准厂房项目 on its phone.
  await login(page, 'enterprise');
  await visit(page, '/projects');
  await clickAndWait(page, page.getByRole('link', { name: /新建标准厂房项目/ }));
  const projectPath = new URL(page.url()).pathname;
  await applyFor(page, '建设项目环境影响报告表审批');
  const casePath = await matter(page, '建设项目环境影响报告表审批').getByRole('link', { name: /查看办件/ }).getAttribute('href');

  // 生态环境局's window takes it in with the disclosure statement still missing.
  await as(watch, 'hbj', async (clerk) => {
    await visit(clerk, casePath);
    await unfold(clerk, '容缺受理');
    await clerk.getByLabel('缺少的材料').selectOption('公开情况说明');
    watch.expectStatus(422, `${casePath}/accept-tolerating`);
    await clickAndWait(clerk, clerk.getByRole('button', { name: '容缺受理' }));
    await clerk.locator('.field-error').filter({ hasText: '请填写企业承诺补齐的日期' }).waitFor();
    const inFiveDays = new Date(Date.now() + (8 + 5 * 24) * 3600_000).toISOString().slice(0, 10);
    await clerk.getByLabel('企业承诺补齐日期').fill(inFiveDays);
    await clickAndWait(clerk, clerk.getByRole('button', { name: '容缺受理' }));
    await clerk.getByRole('status').filter({ hasText: '已容缺受理' }).waitFor();
    assert.match(await clerk.locator('[data-tolerance]').innerText(), new RegExp(`缺“公开情况说明”,企业承诺 ${inFiveDays} 前补齐`));
  }, DESKTOP);

  // The lead cannot approve before the material comes.
  await as(watch, 'hbj.lead', async (lead) => {
    await visit(lead, casePath);
    watch.expectStatus(409, `${casePath}/decision`);
    await clickAndWait(lead, lead.getByRole('button', { name: '提交决定' }));
    await lead.getByRole('alert').filter({ hasText: '容缺受理的“公开情况说明”尚未补齐' }).waitFor();
  }, DESKTOP);

  // The enterprise supplies it from its phone.
  await visit(page, casePath);
  await page.getByLabel('补齐的材料(PDF、OFD、JPG 或 PNG)').setInputFiles({
    name: '公开情况说明.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
  });
  await clickAndWait(page, page.getByRole('button', { name: '上传并补齐' }));
  await page.getByRole('status').filter({ hasText: '材料已补齐' }).waitFor();
  assert.match(await page.locator('[data-tolerance]').innerText(), /已于 .* 补齐 · 公开情况说明\.pdf/);
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await screenshot(page, 'construction-tolerance-supplied-phone');

  await as(watch, 'hbj.lead', async (lead) => {
    await visit(lead, casePath);
    await clickAndWait(lead, lead.getByRole('button', { name: '提交决定' }));
    await lead.getByRole('status').filter({ hasText: '审批决定已作出' }).waitFor();
  }, DESKTOP);
  await visit(page, projectPath);
  assert.match(await matter(page, '建设项目环境影响报告表审批').innerText(), /准予许可/);
});
