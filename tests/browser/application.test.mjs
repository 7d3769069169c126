// The enterprise's whole application, on a phone: a material uploaded inside the form before
// anything was saved (the draft is made for it), the draft reopened with every figure and tick,
// submitted onto a success page, approved in two stages, paid through the bank's file until the
// stepper reaches 到账; then a 诉求 answered, with the 站内信 that links to it. Every page the
// enterprise sees fits the phone, shows no raw code, and shows no link that would refuse it.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, assertNoRawCode, assertShownLinksOpen, runTag, unfold, navTo,
} from './lib/harness.mjs';
import {
  person, withPeople, ownEnterprise, fact, writePolicy, submitAndPublish, financePays,
  policyDefinition, confirmAccount,
} from './lib/fulfilment.mjs';

useBrowser();

/** What every page shown to the enterprise must be: fitting, in words, with links that open. */
async function looksRight(page, shot) {
  await assertNoHorizontalScroll(page);
  await assertNoRawCode(page);
  await assertShownLinksOpen(page);
  if (shot) await screenshot(page, shot);
}

/** The stepper's states, in order ("done", "current", "stopped", "ahead"). */
async function stepper(page) {
  const classes = await page.locator('#progress li').evaluateAll((ls) => ls.map((l) => l.className));
  return classes.map((c) => c.replace('step-', ''));
}

const MATERIAL = '项目实施情况说明(以承诺代替)';

journey('企业手机申报全程:表单内上传材料、重开草稿不丢数据、提交成功页、两级审核、拨付到账进度、诉求答复收到站内信', PHONE, async ({ page: ent, watch }) => {
  await withPeople(async (people) => {
    assert.equal(await login(ent, 'enterprise'), '/portal');
    const { name, code } = await ownEnterprise(ent);

    // A policy that asks the enterprise for a figure its profile lacks (在岗月数), with two
    // pledges and one material, reviewed by 工业和信息化局 then 财政局.
    const tag = runTag();
    const id = `qq-jobs-${tag}`;
    const title = `重点群体稳岗补贴(${tag})`;
    const definition = policyDefinition({
      id,
      title,
      head: ['topics = ["就业"]', 'entity = "enterprise"'],
      conditions: [
        '{ attr = "region", under = ["350521"] }',
        '{ count = "target_group_hire_months", min = 1, label = "需新招用重点群体人员至少 1 人" }',
        '{ attr = "credit_status", not_in = ["bad"] }',
      ],
      reward: ['per_unit = "500"', 'months = "target_group_hire_months"', 'max_months = 36', 'cap = "200000"'],
    });
    const pledges = [
      ['integrity', '本企业承诺所填数据真实、准确、完整,如有虚假,自愿退回已获资金并承担失信责任。'],
      ['single', '本企业承诺上述人员未享受其他同类社保补贴。'],
    ];
    const handler = await person(people, watch, DESKTOP, 'handler');
    await visit(handler, '/policies/new');
    await writePolicy(handler, {
      definition, pledges, budget: '2000000',
      document: '企业新招用重点群体人员的,按每人每月 500 元给予补贴,每人最长 36 个月。',
    });
    const lead = await person(people, watch, DESKTOP, 'lead');
    await submitAndPublish(handler, lead, { id, title }, 'application-policy-published');

    // 1. The enterprise opens the form from what it may get, types the figure, ticks one pledge
    // and uploads the material before saving anything: the draft is made for it.
    await visit(ent, `/enterprises/${code}/entitlements`);
    const card = ent.locator('article.entitlement', { hasText: title });
    await clickAndWait(ent, card.getByRole('link', { name: '补充资料并申报' }));
    await ent.getByRole('heading', { level: 1, name: `在线申报:${title}` }).waitFor();
    await looksRight(ent, 'application-form-new-phone');
    const months = ent.getByLabel(/新招用重点群体人员在岗月数/);
    await months.fill('12,8,6');
    await ent.locator('input[name="pledge_integrity"]').check();
    assert.equal(await ent.getByLabel('材料名称').inputValue(), MATERIAL, 'the missing material is proposed');
    const pdf = Buffer.from(`%PDF-1.4\n% 新招用人员名单(${tag})\n%%EOF\n`);
    await ent.getByLabel('文件').setInputFiles({ name: '人员名单.pdf', mimeType: 'application/pdf', buffer: pdf });
    await clickAndWait(ent, ent.getByRole('button', { name: '上传材料' }));
    const receipt = new URL(ent.url()).searchParams.get('receipt');
    assert.match(receipt || '', /^SB/, `the upload made a draft: ${ent.url()}`);
    await ent.getByRole('heading', { level: 1, name: `继续申报:${title}` }).waitFor();
    await ent.getByRole('status').filter({ hasText: '材料已上传,草稿已保存' }).waitFor();
    await ent.locator('.checklist li.done', { hasText: MATERIAL }).waitFor();
    await ent.locator('.file-row', { hasText: '人员名单.pdf' }).waitFor();
    assert.equal(await months.inputValue(), '12,8,6', 'the figure typed is kept');
    assert.equal(await ent.locator('input[name="pledge_integrity"]').isChecked(), true, 'the tick is kept');
    assert.equal(await ent.locator('input[name="pledge_single"]').isChecked(), false);
    await looksRight(ent, 'application-form-material-phone');

    // 2. It comes back later through 我的申报: the draft is 继续申报, never 补正申报, and holds
    // every figure, tick and file.
    await visit(ent, '/portal');
    await clickAndWait(ent, ent.getByRole('link', { name: '我的申报' }));
    const mine = ent.locator('main article.card', { hasText: receipt });
    await mine.getByText('草稿').first().waitFor();
    await clickAndWait(ent, mine.getByRole('link', { name: title }));
    assert.deepEqual(await stepper(ent), ['current', 'ahead', 'ahead', 'ahead', 'ahead']);
    await looksRight(ent, 'application-draft-page-phone');
    await clickAndWait(ent, ent.getByRole('link', { name: '继续申报' }));
    await ent.getByRole('heading', { level: 1, name: `继续申报:${title}` }).waitFor();
    assert.equal(await ent.getByText('补正申报').count(), 0, 'a draft is not a 补正');
    assert.equal(await months.inputValue(), '12,8,6');
    assert.equal(await ent.locator('input[name="pledge_integrity"]').isChecked(), true);
    await ent.locator('.file-row', { hasText: '人员名单.pdf' }).waitFor();
    await looksRight(ent, 'application-draft-reopened-phone');

    // 3. It signs the other pledge and submits as it is: the success page gives the receipt,
    // what happens next and the time limit.
    await ent.locator('input[name="pledge_single"]').check();
    await clickAndWait(ent, ent.getByRole('button', { name: '提交申报' }));
    assert.equal(new URL(ent.url()).pathname, `/applications/${receipt}/submitted`);
    await ent.getByRole('heading', { level: 1, name: '申报已提交' }).waitFor();
    assert.equal((await ent.locator('#receipt').innerText()).trim(), receipt);
    assert.deepEqual(await stepper(ent), ['done', 'current', 'ahead', 'ahead', 'ahead']);
    const next = await ent.locator('main').innerText();
    assert.match(next, /审核时限:\d{4}年\d{2}月\d{2}日/);
    assert.match(next, /¥13,000\.00/);
    await looksRight(ent, 'application-submitted-phone');

    // 4. The application's page reads in words: the figure by its name, regions by name.
    await clickAndWait(ent, ent.getByRole('link', { name: '查看申报详情' }));
    assert.match(await ent.locator('#facts').innerText(), /\d{4}年新招用重点群体人员在岗月数\s+12,8,6 月/);
    const explanation = await ent.locator('#explanation').innerText();
    assert.match(explanation, /所在区域 \S+镇\S+(村|社区),需属于 /);
    assert.doesNotMatch(explanation, /需属于 \S*(局|委|办)/, 'a region is named by its division, not a department');
    assert.doesNotMatch(explanation, /\d{6,}/, 'no division code in the explanation');
    await looksRight(ent, 'application-page-phone');
    // Its own trail opens for it, in words.
    await clickAndWait(ent, ent.getByRole('link', { name: '查看留痕与时限' }));
    const trail = await ent.locator('main').innerText();
    assert.match(trail, /提交申报/);
    assert.match(trail, /时限与预警[\s\S]*审核/, 'the time limit is beside the trail');
    await looksRight(ent, 'application-trail-phone');

    // 5. 初审 and 复审 approve; both and the department lead may follow the trail link they see.
    for (const reviewer of ['reviewer1', 'reviewer2']) {
      const r = await person(people, watch, DESKTOP, reviewer);
      await visit(r, `/applications/${receipt}`);
      await r.getByRole('link', { name: '查看留痕与时限' }).waitFor();
      await clickAndWait(r, r.locator('#approve-form').getByRole('button', { name: '通过' }));
      await r.getByRole('status').filter({ hasText: '已办理' }).waitFor();
      await assertShownLinksOpen(r);
    }
    await visit(lead, `/applications/${receipt}`);
    await lead.getByRole('link', { name: '查看留痕与时限' }).waitFor();
    await assertShownLinksOpen(lead);
    assert.equal(await fact(lead, '核定金额'), '¥13,000.00');

    // 6. The enterprise confirms its account; finance pays; the stepper reaches 到账.
    await visit(ent, `/applications/${receipt}`);
    assert.deepEqual(await stepper(ent), ['done', 'done', 'done', 'current', 'ahead']);
    await visit(ent, `/enterprises/${code}/applications`);
    const account = await confirmAccount(ent, name);
    const finance = await person(people, watch, { ...DESKTOP, acceptDownloads: true }, 'finance');
    await financePays(finance, { receipt, name, account, amount: '13000.00' }, 'application-payouts-paid');
    await visit(ent, `/applications/${receipt}`);
    assert.deepEqual(await stepper(ent), ['done', 'done', 'done', 'done', 'done']);
    assert.match(await ent.locator('#progress').innerText(), /到账\s*已到账/);
    await looksRight(ent, 'application-paid-stepper-phone');

    // 7. A 诉求: 工业和信息化局 answers it and the enterprise is told, with a link to it.
    await navTo(ent, '诉求');
    await unfold(ent, '提交新诉求');
    await ent.getByLabel('类别').selectOption({ label: '政策咨询(1 个工作日内办结)' });
    await ent.getByLabel('遇到的问题').fill(`稳岗补贴的在岗月数按自然月还是按参保月计算?(${tag})`);
    await clickAndWait(ent, ent.getByRole('button', { name: '提交诉求' }));
    const request = decodeURIComponent(new URL(ent.url()).pathname.split('/').pop());
    assert.match(request, /^SQ/);
    await visit(handler, `/requests/${request}`);
    await clickAndWait(handler, handler.getByRole('button', { name: '签收' }));
    await handler.getByLabel('答复企业(用通俗的话写明办理情况和结果)').fill(`按参保月计算,以社保缴费记录为准(${tag})`);
    await clickAndWait(handler, handler.getByRole('button', { name: '答复' }));
    await handler.getByRole('status').filter({ hasText: '已保存' }).waitFor();

    await clickAndWait(ent, ent.locator('header').getByRole('link', { name: /站内信/ }));
    const message = ent.locator('article.message', { hasText: request }).filter({ hasText: '诉求已答复' });
    await message.waitFor();
    assert.match(await message.innerText(), /按参保月计算/);
    const paid = ent.locator('article.message', { hasText: receipt }).filter({ hasText: '资金到账' });
    await paid.getByRole('link', { name: '查看详情' }).waitFor();
    await looksRight(ent, 'application-messages-phone');
    await clickAndWait(ent, message.getByRole('link', { name: '查看详情' }));
    assert.equal(new URL(ent.url()).pathname, `/requests/${request}`);
    await ent.getByLabel('满意', { exact: true }).check();
    await clickAndWait(ent, ent.getByRole('button', { name: '提交回访' }));
    await ent.getByRole('status').filter({ hasText: '已保存' }).waitFor();
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'application-request-rated-phone');
  });
});
