// 政企合同双兑现, walked by the people who use it: the investment office's 经办人 itemises a new
// agreement from the standard chain (a wrong amount, then a chain broken by a node left out, are
// stopped with the reason beside the field, and everything typed stays), uploads the agreement
// text; the enterprise reports on its phone that it fulfilled an item, with a PDF as evidence;
// the government side confirms and the item is 按期履约.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, newContext, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, runTag, navTo,
} from './lib/harness.mjs';

useBrowser();

/** The date `days` ago in Beijing, as a date input takes it (YYYY-MM-DD). */
function beijingDate(daysAgo) {
  return new Date(Date.now() - daysAgo * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

journey('政企合同:按标准模板拆分协议(错误被拦下、输入保留),上传协议文本,企业手机申报履约附佐证,政府方确认按期履约', DESKTOP, async ({ page: staff, watch }) => {
  const tag = runTag();
  const entContext = await newContext(PHONE, watch);
  try {
    const ent = await entContext.newPage();
    await login(ent, 'enterprise');
    const profile = await ent.getByRole('link', { name: '查看企业画像' }).getAttribute('href');
    const code = profile.split('/').pop();

    // The 经办人 itemises the agreement from the template.
    await login(staff, 'handler');
    await navTo(staff, '政企合同');
    await clickAndWait(staff, staff.getByRole('link', { name: '录入投资协议' }));
    const project = `智能传感器产业化项目(${tag})`;
    await staff.getByLabel('项目名称').fill(project);
    await staff.getByLabel('签约日期').fill(beijingDate(10));
    await staff.getByLabel('企业统一社会信用代码(已注册时填写)').fill(code);
    await staff.getByLabel('总投资(元)').fill('三亿元');
    const land = staff.locator('fieldset', { hasText: '模板节点 · 土地出让及交地' });
    const landContent = `交付园区东侧 80 亩工业用地(${tag})`;
    await land.getByLabel('承诺内容').fill(landContent);
    await land.getByLabel('期限数值').fill('4');
    // This agreement has no separate design node.
    await staff.locator('fieldset', { hasText: '模板节点 · 方案设计' }).getByLabel('本协议包含此事项').uncheck();
    watch.expectStatus(422, '/agreements/new');
    await clickAndWait(staff, staff.getByRole('button', { name: '保存协议及承诺事项' }));
    await staff.locator('.field-error #total_investment').waitFor();
    assert.equal(await staff.getByLabel('项目名称').inputValue(), project, 'the project name is kept');
    assert.equal(await land.getByLabel('承诺内容').inputValue(), landContent, 'the edited row is kept');
    assert.equal(await staff.locator('fieldset', { hasText: '模板节点 · 方案设计' }).getByLabel('本协议包含此事项').isChecked(), false);

    await staff.getByLabel('总投资(元)').fill('300000000');
    await clickAndWait(staff, staff.getByRole('button', { name: '保存协议及承诺事项' }));
    // 施工许可 counted from 方案设计, which was left out: the row says so.
    const permit = staff.locator('fieldset', { hasText: '模板节点 · 施工许可' });
    await permit.locator('.field-error .error-text').first().waitFor();
    assert.match(await permit.locator('.field-error .error-text').first().innerText(), /design/);
    assert.equal(await staff.getByLabel('总投资(元)').inputValue(), '300000000');
    await screenshot(staff, 'agreements-new-refused');
    await permit.getByLabel('期限起算').selectOption({ label: '土地出让及交地起' });
    await clickAndWait(staff, staff.getByRole('button', { name: '保存协议及承诺事项' }));
    await staff.getByRole('status').filter({ hasText: '协议已保存' }).waitFor();
    const agreementPath = new URL(staff.url()).pathname;
    assert.match(agreementPath, /^\/agreements\/\d+$/);
    assert.equal(await staff.locator('.commitment-timeline > li').count(), 7, 'seven of the eight nodes');
    assert.ok((await staff.locator('.commitment-timeline').innerText()).includes(landContent));

    // The agreement text.
    await staff.locator('summary', { hasText: '上传协议文本' }).click();
    await staff.getByLabel('文件(PDF、OFD、JPG 或 PNG)').setInputFiles({
      name: '投资协议.pdf', mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n% 投资协议(${tag})\n%%EOF\n`),
    });
    await clickAndWait(staff, staff.getByRole('button', { name: '上传', exact: true }));
    await staff.getByRole('status').filter({ hasText: '协议文本已上传' }).waitFor();
    await staff.getByRole('link', { name: '协议文本(投资协议.pdf)' }).waitFor();
    // The enterprise answers for its own items now that it is linked: staff do not report them.
    const registrationByStaff = staff.locator('#item-registration');
    assert.equal(await registrationByStaff.locator('summary', { hasText: '申报履约' }).count(), 0);

    // The enterprise, on its phone, reports its registration with the licence as evidence.
    await visit(ent, '/agreements');
    await clickAndWait(ent, ent.getByRole('link', { name: project }));
    const item = ent.locator('#item-registration');
    await item.locator('summary', { hasText: '申报履约' }).click();
    await item.getByLabel('履约情况及佐证说明').fill('已完成工商注册登记,附营业执照');
    await item.getByLabel('佐证材料(PDF、OFD、JPG 或 PNG,可不传)').setInputFiles({
      name: '营业执照.pdf', mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n% 营业执照(${tag})\n%%EOF\n`),
    });
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'agreements-report-phone');
    await clickAndWait(ent, item.getByRole('button', { name: '申报履约' }));
    await ent.getByRole('status').filter({ hasText: '履约情况已申报' }).waitFor();
    assert.equal(new URL(ent.url()).hash, '#item-registration');
    await item.getByRole('link', { name: '履约佐证(营业执照.pdf)' }).waitFor();
    assert.match(await item.innerText(), /待确认|已申报/);
    assert.equal(await item.getByRole('button', { name: '确认履约' }).count(), 0, 'a side does not confirm its own report');
    await assertNoHorizontalScroll(ent);

    // The government side finds the report waiting on its 承诺事项 desk and confirms it.
    await navTo(staff, '承诺事项');
    const waiting = staff.locator('#desk-to-confirm tbody tr', { hasText: project });
    await waiting.waitFor();
    assert.match(await waiting.innerText(), /企业注册登记/);
    await screenshot(staff, 'agreements-desk-to-confirm');
    await clickAndWait(staff, waiting.getByRole('link', { name: project }));
    assert.equal(new URL(staff.url()).pathname, agreementPath);
    await clickAndWait(staff, registrationByStaff.getByRole('button', { name: '确认履约' }));
    await staff.getByRole('status').filter({ hasText: '已确认履约' }).waitFor();
    assert.match(await registrationByStaff.innerText(), /按期履约/);
    await screenshot(staff, 'agreements-confirmed');

    await visit(ent, agreementPath);
    assert.match(await ent.locator('#item-registration').innerText(), /按期履约/);
    await screenshot(ent, 'agreements-fulfilled-phone');
  } finally {
    await entContext.close();
  }
});
