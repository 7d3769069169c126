// Policy fulfilment, walked by the people who do it: a 工业和信息化局 经办人 writes a policy, the
// lead publishes it, the enterprise (on a phone) sees what it may get and applies with a pledge,
// 初审 returns it once for 补正, 初审 and 复审 approve, finance pays through the bank's file and the
// enterprise sees the money arrive. Then the same for a 免申即享 policy, from the run to the
// payment, and the public library's search.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  PHONE, DESKTOP, useBrowser, journey, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, runTag, navTo,
} from './lib/harness.mjs';
import {
  BANK, person, withPeople, ownEnterprise, fact, writePolicy, submitAndPublish, financePays,
  accountNumber, policyDefinition, confirmAccount,
} from './lib/fulfilment.mjs';

useBrowser();

/** 试算 with one enterprise: the form comes back with the outcome and nothing saved. */
async function tryOut(page, code, expected) {
  await page.getByLabel('用一家企业试算').fill(code);
  await clickAndWait(page, page.getByRole('button', { name: '试算(不保存)' }));
  const preview = page.locator('#preview');
  await preview.waitFor();
  const text = await preview.innerText();
  assert.ok(text.includes(expected), `the trial shows “${expected}”: ${text}`);
  return text;
}

/** The enterprise sees the money on the application's page and a 资金到账 message. */
async function enterpriseSeesPaid(ent, { receipt, title, amountShown }, shot) {
  await visit(ent, `/applications/${receipt}`);
  await ent.locator('#payout-status', { hasText: '已到账' }).waitFor();
  await assertNoHorizontalScroll(ent);
  await screenshot(ent, `${shot}-phone`);
  await clickAndWait(ent, ent.locator('header').getByRole('link', { name: /站内信/ }));
  const message = ent.locator('article.message', { hasText: receipt }).filter({ hasText: '资金到账' });
  await message.waitFor();
  const text = await message.innerText();
  assert.match(text, /政策资金已到账/);
  assert.ok(text.includes(title) && text.includes(amountShown), `the message names the policy and amount: ${text}`);
  await assertNoHorizontalScroll(ent);
  await screenshot(ent, `${shot}-message-phone`);
}

journey('申报兑现全流程:经办人编写政策并试算、负责人上架、企业手机申报(承诺)、初审退回补正、两级审核、银行文件拨付、企业看到已到账', DESKTOP, async ({ page: handler, watch }) => {
  await withPeople(async (people) => {
    const ent = await person(people, watch, PHONE, 'enterprise');
    const { name, code } = await ownEnterprise(ent);

    // 1. The 经办人 writes a new policy and tries it on the enterprise before saving.
    const tag = runTag();
    const id = `qq-smart-${tag}`;
    const title = `智能制造示范项目奖励(${tag})`;
    const definition = policyDefinition({
      id,
      title,
      head: [
        `document_no = "泉台管〔2026〕${randomInt(100, 999)}号"`,
        'topics = ["工业", "智能制造"]',
        'entity = "enterprise"',
      ],
      conditions: ['{ attr = "region", under = ["350521"] }', '{ attr = "credit_status", not_in = ["bad"] }'],
      reward: ['fixed = "88000"'],
    });
    const pledges = [
      ['integrity', '本企业承诺所填数据真实、准确、完整,如有虚假,自愿退回已获资金并承担失信责任。'],
      ['single', '本企业承诺本项目未获得其他同类财政奖补资金。'],
    ];
    assert.equal(await login(handler, 'handler'), '/workbench');
    await navTo(handler, '政策库');
    await clickAndWait(handler, handler.getByRole('link', { name: '编写新政策' }));
    assert.equal(new URL(handler.url()).pathname, '/policies/new');
    await writePolicy(handler, {
      definition, pledges, budget: '5000000',
      document: '对本区实施智能制造示范项目的企业,给予一次性奖励 8.8 万元。以承诺代替证明材料。',
    });
    const trial = await tryOut(handler, code, '符合,可获 ¥88,000.00');
    assert.match(trial, /✓/);
    // The trial saved nothing and kept the form.
    assert.equal(await handler.getByLabel('政策定义').inputValue(), definition);
    assert.equal(await handler.getByLabel('复审部门').inputValue(), await handler.locator('#stage2_org option', { hasText: '财政局' }).getAttribute('value'));
    const unsaved = await handler.request.get(`/policies/${id}`);
    assert.equal(unsaved.status(), 404, 'the trial does not save the policy');
    await screenshot(handler, 'fulfilment-policy-trial');

    const lead = await person(people, watch, DESKTOP, 'lead');
    await submitAndPublish(handler, lead, { id, title }, 'fulfilment-policy-published');
    await visit(handler, `/policies/${id}`);
    assert.match(await handler.locator('dl.facts').first().innerText(), /初审 → 复审/);

    // 2. The enterprise, on its phone, sees the policy among what it may get.
    await clickAndWait(ent, ent.getByRole('link', { name: '我的可享政策' }));
    assert.equal(new URL(ent.url()).pathname, `/enterprises/${code}/entitlements`);
    const card = ent.locator('article.entitlement.eligible', { hasText: title });
    await card.waitFor();
    assert.match(await card.innerText(), /可享 ¥88,000\.00/);
    assert.match(await ent.locator('#total').innerText(), /^¥[\d,]+\.\d\d$/);
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'fulfilment-entitlements-phone');
    // Another policy year, from the year selector, and back.
    const shownYear = Number((await ent.getByLabel('政策年度').inputValue()).trim());
    await ent.getByLabel('政策年度').selectOption(String(shownYear - 1));
    await clickAndWait(ent, ent.locator('#year-form').getByRole('button', { name: '查看' }));
    await ent.getByText(`${shownYear - 1} 年度`, { exact: false }).first().waitFor();
    assert.equal(new URL(ent.url()).searchParams.get('year'), String(shownYear - 1));
    await visit(ent, `/enterprises/${code}/entitlements`);

    // 3. It applies; forgetting one pledge brings the form back (422) with what was ticked kept.
    watch.expectStatus(422, '/applications/new');
    await clickAndWait(ent, card.getByRole('link', { name: '立即申报' }));
    assert.equal(new URL(ent.url()).pathname, '/applications/new');
    await ent.getByRole('heading', { level: 1, name: `在线申报:${title}` }).waitFor();
    assert.match(await ent.locator('.alert.ok').innerText(), /¥88,000\.00/);
    for (const [, text] of pledges) await ent.locator('.pledge', { hasText: text }).waitFor();
    await ent.locator('input[name="pledge_single"]').check();
    await clickAndWait(ent, ent.getByRole('button', { name: '提交申报' }));
    assert.equal(new URL(ent.url()).pathname, '/applications/new');
    await ent.getByRole('alert').filter({ hasText: '已标红' }).waitFor();
    const pledgeError = ent.locator('.field-error .error-text');
    assert.equal((await pledgeError.innerText()).trim(), '请阅读并签署全部承诺(未签:integrity)');
    assert.equal(await ent.locator('input[name="pledge_single"]').isChecked(), true, 'the ticked pledge stays ticked');
    assert.equal(await ent.locator('input[name="pledge_integrity"]').isChecked(), false);
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'fulfilment-apply-pledge-missing-phone');
    await ent.locator('input[name="pledge_integrity"]').check();
    await clickAndWait(ent, ent.getByRole('button', { name: '提交申报' }));
    assert.match(new URL(ent.url()).pathname, /^\/applications\/SB\w+\/submitted$/);
    const receipt = (await ent.locator('#receipt').innerText()).trim();
    assert.equal(new URL(ent.url()).pathname, `/applications/${receipt}/submitted`);
    await clickAndWait(ent, ent.getByRole('link', { name: '查看申报详情' }));
    assert.equal(await fact(ent, '状态'), '审核中');
    assert.match(await fact(ent, '当前办理'), /初审/);
    assert.equal(await fact(ent, '系统测算'), '¥88,000.00');
    assert.equal((await ent.locator('main .pledge').count()), 2, 'both signed pledges are on record');
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'fulfilment-application-submitted-phone');

    // 4. 初审 (工业和信息化局) returns it for 补正 with a note.
    const r1 = await person(people, watch, DESKTOP, 'reviewer1');
    await navTo(r1, '审核');
    const queued = r1.locator('main table tbody tr', { hasText: receipt });
    await queued.getByText('待我审核').waitFor();
    assert.match(await queued.innerText(), /88,000\.00/);
    await screenshot(r1, 'fulfilment-review-queue');
    await clickAndWait(r1, queued.getByRole('link', { name: receipt }));
    const note = `请补充说明示范项目的实施地点(${tag})`;
    await r1.locator('#return-form').getByLabel('需补正的内容').fill(note);
    await clickAndWait(r1, r1.locator('#return-form').getByRole('button', { name: '退回补正' }));
    await r1.getByRole('status').filter({ hasText: '已办理:待补正' }).waitFor();

    // 5. The enterprise reads the note on 我的申报 and resubmits.
    await visit(ent, '/portal');
    await clickAndWait(ent, ent.getByRole('link', { name: '我的申报' }));
    const mine = ent.locator('main article.card', { hasText: receipt });
    await mine.getByText('待补正').waitFor();
    await clickAndWait(ent, mine.getByRole('link', { name: title }));
    await ent.locator('.alert.info', { hasText: `请补正:${note}` }).waitFor();
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'fulfilment-returned-phone');
    // It adds the material the guide asks for: a web page renamed to .pdf is refused with the
    // reason beside the field, then the real PDF is taken and ticked off the checklist.
    const material = '项目实施情况说明(以承诺代替)';
    watch.expectStatus(422, `/applications/${receipt}/materials`);
    const materials = ent.locator('#materials + .card');
    await materials.locator('.checklist li.todo', { hasText: material }).waitFor();
    assert.equal(await ent.getByLabel('材料名称').inputValue(), material, 'the first missing material is proposed');
    await ent.getByLabel('文件').setInputFiles({
      name: '实施情况说明.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><script>alert(1)</script>'),
    });
    await clickAndWait(ent, ent.getByRole('button', { name: '上传' }));
    await ent.locator('#material-form .field-error .error-text', { hasText: '只能上传 PDF、JPG、PNG 或 OFD 文件' }).waitFor();
    assert.equal(await materials.locator('.file-row').count(), 0, 'the refused file was not kept');
    const pdf = Buffer.from(`%PDF-1.4\n% 示范项目实施地点:台商投资区(${tag})\n%%EOF\n`);
    await ent.getByLabel('文件').setInputFiles({ name: '实施情况说明.pdf', mimeType: 'application/pdf', buffer: pdf });
    await clickAndWait(ent, ent.getByRole('button', { name: '上传' }));
    assert.equal(new URL(ent.url()).hash, '#materials');
    await materials.locator('.checklist li.done', { hasText: material }).waitFor();
    const fileLink = materials.locator('.file-row a', { hasText: '实施情况说明.pdf' });
    await fileLink.waitFor();
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'fulfilment-material-uploaded-phone');
    await clickAndWait(ent, ent.getByRole('link', { name: '补正申报' }));
    await ent.getByRole('heading', { level: 1, name: `补正申报:${title}` }).waitFor();
    for (const [key] of pledges) {
      assert.equal(await ent.locator(`input[name="pledge_${key}"]`).isChecked(), true, 'the signed pledges come back ticked');
    }
    await clickAndWait(ent, ent.getByRole('button', { name: '提交补正' }));
    assert.equal(new URL(ent.url()).pathname, `/applications/${receipt}/submitted`);
    await clickAndWait(ent, ent.getByRole('link', { name: '查看申报详情' }));
    assert.equal(await fact(ent, '状态'), '审核中');
    const steps = await ent.locator('ol.timeline').innerText();
    for (const s of ['提交申报', '退回补正', '补正后重新提交']) assert.ok(steps.includes(s), `${s} in ${steps}`);

    // 6. 初审 looks at the material as uploaded and approves, then 复审 (财政局).
    await navTo(r1, '审核');
    await clickAndWait(r1, queued.getByRole('link', { name: receipt }));
    const href = await r1.locator('.file-row a', { hasText: '实施情况说明.pdf' }).getAttribute('href');
    const preview = await r1.request.get(href);
    assert.equal(preview.status(), 200);
    assert.equal(preview.headers()['content-type'], 'application/pdf');
    assert.match(preview.headers()['content-disposition'], /^inline; filename\*=UTF-8''/);
    assert.ok((await preview.body()).equals(pdf), 'the reviewer gets the very bytes uploaded');
    assert.equal(await r1.locator('#material-form').count(), 0, 'a reviewer cannot change the materials');
    const approve = r1.locator('#approve-form');
    assert.equal(await approve.getByLabel('核定金额').inputValue(), '88000.00');
    await clickAndWait(r1, approve.getByRole('button', { name: '通过' }));
    await r1.getByRole('status').filter({ hasText: '已办理' }).waitFor();
    assert.match(await fact(r1, '当前办理'), /复审/);
    assert.equal(await r1.locator('#approve-form').count(), 0, '初审 is done with it');

    const r2 = await person(people, watch, DESKTOP, 'reviewer2');
    await navTo(r2, '审核');
    const second = r2.locator('main table tbody tr', { hasText: receipt });
    await second.getByText('待我审核').waitFor();
    await clickAndWait(r2, second.getByRole('link', { name: receipt }));
    await clickAndWait(r2, r2.locator('#approve-form').getByRole('button', { name: '通过' }));
    await r2.getByRole('status').filter({ hasText: '已办理:已核准' }).waitFor();
    assert.equal(await fact(r2, '核定金额'), '¥88,000.00');
    await r2.locator('#payout-status', { hasText: '待拨付' }).waitFor();
    await screenshot(r2, 'fulfilment-approved');

    // 7. The enterprise confirms its bank account on 我的申报.
    await visit(ent, `/enterprises/${code}/applications`);
    await mine.getByText('已核准').waitFor();
    assert.match(await mine.innerText(), /核定 ¥88,000\.00/);
    const account = await confirmAccount(ent, name);
    assert.ok((await ent.locator('main').innerText()).includes(`当前:${BANK} ${account}(已确认)`), 'the account is shown as confirmed');
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'fulfilment-my-applications-phone');

    // 8. Finance pays through the bank; 9. the enterprise sees it arrive.
    const finance = await person(people, watch, { ...DESKTOP, acceptDownloads: true }, 'finance');
    await financePays(finance, { receipt, name, account, amount: '88000.00' }, 'fulfilment-payouts-paid');
    await enterpriseSeesPaid(ent, { receipt, title, amountShown: '¥88,000.00' }, 'fulfilment-paid');
  });
});

journey('免申即享全流程:经办人编写并上架、运行比对、核对后发布、企业手机确认收款账户、拨付到账', DESKTOP, async ({ page: handler, watch }) => {
  await withPeople(async (people) => {
    const ent = await person(people, watch, PHONE, 'enterprise');
    const { name, code } = await ownEnterprise(ent);

    // The 经办人 reads the enterprise's profile and writes a 免申即享 policy that fits it (its
    // village and founding date, so that the run offers it to this enterprise alone).
    assert.equal(await login(handler, 'handler'), '/workbench');
    await visit(handler, `/enterprises/${code}`);
    // Staff read the village by name, with the code a policy is written with.
    const place = await fact(handler, '所在区划');
    const [, region] = place.match(/^[^0-9]+（([0-9]+)）$/) ?? [];
    assert.ok(region, `the village by name, then its code: ${place}`);
    const founded = await fact(handler, '成立日期');
    assert.match(region, /^350521\d+$/);
    assert.match(founded, /^\d{4}-\d{2}-\d{2}$/);
    const tag = runTag();
    const id = `qq-auto-${tag}`;
    const title = `专精特新培育企业奖励(${tag})`;
    const definition = policyDefinition({
      id,
      title,
      mode: 'auto_grant',
      head: ['topics = ["工业", "企业培育"]'],
      conditions: [
        `{ attr = "region", under = ["${region}"] }`,
        `{ attr = "established_on", equals = ${founded}, label = "${founded} 成立的培育企业" }`,
        '{ attr = "credit_status", not_in = ["bad"] }',
      ],
      reward: ['fixed = "66000"'],
    });
    await visit(handler, '/policies/new');
    await writePolicy(handler, {
      definition, budget: '1000000',
      document: '对列入培育名单的企业,无需申报,由平台比对后给予一次性奖励 6.6 万元。',
    });
    await tryOut(handler, code, '符合,可获 ¥66,000.00');
    const lead = await person(people, watch, DESKTOP, 'lead');
    await submitAndPublish(handler, lead, { id, title }, 'fulfilment-auto-published');

    // The 经办人 runs the comparison from the policy's page and reads the report.
    await visit(handler, `/policies/${id}`);
    await handler.locator('.alert.ok', { hasText: '免申即享:无需申报' }).waitFor();
    await clickAndWait(handler, handler.getByRole('button', { name: '运行免申即享比对' }));
    assert.equal(new URL(handler.url()).pathname, `/policies/${id}/auto-grant`);
    await handler.getByRole('status').filter({ hasText: /比对完成:\d+ 家企业待核对,合计 ¥[\d,]+\.\d\d/ }).waitFor();
    await handler.getByRole('heading', { name: /免申即享比对结果\(\d{4} 年度\)/ }).waitFor();
    const report = handler.locator('main .card', { hasText: '比对企业' });
    assert.match(await report.innerText(), /新增待核对 [1-9]\d* 家/);
    const offered = report.locator('tbody tr', { hasText: name });
    assert.equal(await offered.count(), 1, 'the enterprise is offered the grant');
    assert.equal((await offered.locator('td.num').innerText()).trim(), '66,000.00');
    const receipt = (await offered.locator('a .sub').innerText()).trim();
    await screenshot(handler, 'fulfilment-auto-run-report');

    // Nobody is told before staff have checked the list and released (发布) the run.
    const run = handler.locator('.auto-grant-run', { hasText: receipt });
    await run.locator('tbody tr', { hasText: receipt }).getByText('待核对(免申即享)').waitFor();
    await visit(ent, '/messages');
    const offerMessage = ent.locator('article.message', { hasText: title }).filter({ hasText: '免申即享:请确认收款账户' });
    assert.equal(await offerMessage.count(), 0, 'not told before the release');
    await clickAndWait(handler, run.getByRole('button', { name: '核对完毕,发布' }));
    await handler.getByRole('status').filter({ hasText: /已发布:\d+ 家企业将收到免申即享确认通知/ }).waitFor();
    await handler.locator('.auto-grant-run', { hasText: receipt }).getByText('已发布').first().waitFor();
    await screenshot(handler, 'fulfilment-auto-run-released');

    // The enterprise gets a message, finds the offer on 我的申报 and confirms its account.
    await visit(ent, '/messages');
    await ent.locator('article.message', { hasText: title }).filter({ hasText: '免申即享:请确认收款账户' }).waitFor();
    await visit(ent, '/portal');
    await clickAndWait(ent, ent.getByRole('link', { name: '我的申报' }));
    const mine = ent.locator('main article.card', { hasText: receipt });
    await mine.getByText('待确认(免申即享)').waitFor();
    await mine.locator('.tag', { hasText: '免申即享' }).first().waitFor();
    await clickAndWait(ent, mine.getByRole('link', { name: title }));
    assert.equal(new URL(ent.url()).pathname, `/applications/${receipt}`);
    assert.equal(await fact(ent, '系统测算'), '¥66,000.00');
    const confirm = ent.locator('form', { has: ent.getByRole('heading', { name: '确认收款账户' }) });
    assert.equal(await confirm.getByLabel('户名').inputValue(), name);
    const account = accountNumber();
    await confirm.getByLabel('账号').fill(account);
    await confirm.getByLabel('开户银行').fill(BANK);
    await assertNoHorizontalScroll(ent);
    await screenshot(ent, 'fulfilment-auto-offer-phone');
    await clickAndWait(ent, confirm.getByRole('button', { name: '确认并领取' }));
    await ent.getByRole('status').filter({ hasText: '已办理:已核准' }).waitFor();
    await ent.locator('#payout-status', { hasText: '待拨付' }).waitFor();

    const finance = await person(people, watch, { ...DESKTOP, acceptDownloads: true }, 'finance');
    await financePays(finance, { receipt, name, account, amount: '66000.00' }, 'fulfilment-auto-payouts-paid');
    await enterpriseSeesPaid(ent, { receipt, title, amountShown: '¥66,000.00' }, 'fulfilment-auto-paid');
  });
});

journey('政策库公开可查:未登录在手机上搜索“研发”,结果中关键词高亮', PHONE, async ({ page }) => {
  await visit(page, '/policies');
  await page.getByRole('heading', { level: 1, name: '政策库' }).waitFor();
  assert.equal(await page.locator('header .who').count(), 0, 'nobody is logged in');
  await page.getByLabel('搜索政策').fill('研发');
  await clickAndWait(page, page.getByRole('button', { name: '搜索' }));
  assert.equal(new URL(page.url()).searchParams.get('q'), '研发');
  assert.equal(await page.getByLabel('搜索政策').inputValue(), '研发', 'the search box keeps the words');
  const hit = page.locator('.policy-hit', { hasText: '规上工业企业研发投入奖励' });
  await hit.waitFor();
  const marks = await page.locator('.policy-hit mark').allInnerTexts();
  assert.ok(marks.length > 0 && marks.every((m) => m.includes('研发')), `研发 is highlighted: ${marks}`);
  assert.ok((await hit.locator('mark').count()) > 0, 'the 研发 policy has the word highlighted');
  const highlight = await page.locator('.policy-hit mark').first().evaluate((m) => getComputedStyle(m).backgroundColor);
  assert.notEqual(highlight, 'rgba(0, 0, 0, 0)', 'the highlight is visible');
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'fulfilment-public-search-phone');

  // The policy's page is public too, with its guide.
  await clickAndWait(page, hit.locator('h2 a'));
  await page.getByRole('heading', { level: 1, name: '规上工业企业研发投入奖励' }).waitFor();
  await page.getByRole('heading', { name: '申报指南' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: '政策管理' }).count(), 0, 'no management for the public');
  await assertNoHorizontalScroll(page);
});
