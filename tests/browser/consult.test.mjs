// 诉求必应's 会商 and 会诊日, walked by the people who use them: the enterprise submits a request on
// its phone; 工业和信息化局's 经办人 signs for it and invites 财政局 to 会商 (a form without a
// department is stopped with the reason); 财政局's reviewer gives its opinion, which the owner
// then sees as on time; the owner replies and the enterprise, who never sees the opinion, is
// satisfied. Then 效能办 walks the demo's past 会诊日 from the navigation.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, newContext, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, runTag, unfold, navTo,
} from './lib/harness.mjs';

useBrowser();

/** The Beijing date `days` from now, as a date input takes it. */
function beijingDate(days) {
  return new Date(Date.now() + (8 * 3600 + days * 86400) * 1000).toISOString().slice(0, 10);
}

journey('会商:企业手机提交、工信局邀请财政局会商、财政局提出意见、工信局答复、企业回访满意', PHONE, async ({ page: ent, watch }) => {
  const tag = runTag();
  await login(ent, 'enterprise');
  await navTo(ent, '诉求');
  await unfold(ent, '提交新诉求');
  await ent.getByLabel('类别').selectOption({ label: '政策咨询(1 个工作日内办结)' });
  const question = `技改补助和研发补助能否同时申报?(${tag})`;
  await ent.getByLabel('遇到的问题').fill(question);
  await clickAndWait(ent, ent.getByRole('button', { name: '提交诉求' }));
  const receipt = decodeURIComponent(new URL(ent.url()).pathname.split('/').pop());
  assert.match(receipt, /^SQ/);
  const opinion = `两项可以同时申报,同一笔费用不得重复计算(${tag})`;

  const context = await newContext(DESKTOP, watch);
  try {
    const handler = await context.newPage();
    await login(handler, 'handler');
    await visit(handler, `/requests/${receipt}`);
    await clickAndWait(handler, handler.getByRole('button', { name: '签收' }));
    watch.expectStatus(422, `/requests/${receipt}/consultations`);
    await unfold(handler, '邀请部门会商');
    await handler.getByLabel('会商问题').fill('补助能否叠加?请财政局提出意见');
    await handler.getByLabel('答复期限').fill(beijingDate(3));
    await clickAndWait(handler, handler.getByRole('button', { name: '发起会商' }));
    await handler.locator('#internal .error-text').filter({ hasText: '请至少选择一个部门' }).waitFor();
    await handler.getByLabel('财政局').check();
    await handler.getByLabel('会商问题').fill('补助能否叠加?请财政局提出意见');
    await handler.getByLabel('答复期限').fill(beijingDate(3));
    await clickAndWait(handler, handler.getByRole('button', { name: '发起会商' }));
    assert.equal(new URL(handler.url()).pathname, `/requests/${receipt}`);
    await handler.locator('#internal').getByText('待答复').waitFor();

    // 财政局 in a browser of its own: one browser holds one login.
    const financeContext = await newContext(DESKTOP, watch);
    try {
      const finance = await financeContext.newPage();
      await login(finance, 'reviewer2');
      await visit(finance, `/requests/${receipt}`);
      await finance.getByLabel('本部门会商意见').fill(opinion);
      await clickAndWait(finance, finance.getByRole('button', { name: '提交会商意见' }));
      await finance.locator('#internal').getByText(opinion).waitFor();
      assert.equal(await finance.getByRole('button', { name: '提交会商意见' }).count(), 0, 'an opinion is given once');
      await screenshot(finance, 'consult-opinion-given');
    } finally {
      await financeContext.close();
    }

    // Put on the next 会诊日 and taken off again: the opinion settled it (a withdrawal needs a reason).
    await visit(handler, `/requests/${receipt}`);
    await unfold(handler, '提交会诊日');
    await handler.getByLabel('提交下次会诊日(写明疑难原因)').fill('补助叠加口径需财政、工信共同研究');
    await clickAndWait(handler, handler.getByRole('button', { name: '列入会诊日议程' }));
    await clickAndWait(handler, handler.locator('#internal').getByRole('link', { name: /会诊日$/ }));
    const onAgenda = handler.locator('main .card', { hasText: receipt });
    await onAgenda.locator('summary', { hasText: '撤出议程' }).click();
    watch.expectStatus(422, /^\/clinic-days\/\d+\/withdraw$/);
    await clickAndWait(handler, onAgenda.getByRole('button', { name: '撤出议程' }));
    await handler.getByRole('alert').filter({ hasText: '请写明撤出议程的原因' }).waitFor();
    const again = handler.locator('main .card', { hasText: receipt });
    await again.locator('summary', { hasText: '撤出议程' }).click();
    await again.getByLabel('撤出原因').fill('财政局会商意见已明确口径');
    await clickAndWait(handler, again.getByRole('button', { name: '撤出议程' }));
    assert.equal(await handler.locator('main .card', { hasText: receipt }).count(), 0, 'off the agenda');
    await screenshot(handler, 'clinic-day-withdrawn');

    await visit(handler, `/requests/${receipt}`);
    await handler.locator('#internal').getByText('未列入会诊日议程。').waitFor();
    const internal = await handler.locator('#internal').innerText();
    assert.ok(internal.includes(opinion) && internal.includes('按时答复'), internal);
    await handler.getByLabel('答复企业(用通俗的话写明办理情况和结果)').fill(`可以同时申报,同一笔费用不得重复计算(${tag})`);
    await clickAndWait(handler, handler.getByRole('button', { name: '答复' }));
    await handler.getByRole('status').filter({ hasText: '已保存' }).waitFor();
    await screenshot(handler, 'consult-replied');
  } finally {
    await context.close();
  }

  await visit(ent, `/requests/${receipt}`);
  assert.equal(await ent.locator('#internal').count(), 0, 'the enterprise does not see internal opinions');
  assert.ok(!(await ent.locator('main').innerText()).includes(opinion));
  await ent.getByLabel('满意', { exact: true }).check();
  await clickAndWait(ent, ent.getByRole('button', { name: '提交回访' }));
  assert.match(await ent.locator('main .card').first().innerText(), /回访:满意/);
  await assertNoHorizontalScroll(ent);
  await screenshot(ent, 'consult-closed-phone');
});

journey('会诊日:效能办从导航打开上月会诊日,查看议程、参会部门、纪要和决定的落实情况', DESKTOP, async ({ page }) => {
  await login(page, 'efficiency');
  await navTo(page, '会诊日');
  await page.getByRole('heading', { level: 1, name: '会诊日' }).waitFor();
  assert.match(await page.locator('main').innerText(), /每月 15 日召开/);
  // Last month's session, recorded (an upcoming one may be listed above it).
  await clickAndWait(page, page.locator('main table tr', { hasText: '已记录' }).locator('a').first());
  await page.getByRole('heading', { level: 1, name: /^会诊日 \d{4}-\d{2}-\d{2}$/ }).waitFor();
  const text = await page.locator('main').innerText();
  for (const expected of ['工业和信息化局', '自然资源局', '会议纪要', '已完成', '办理中']) {
    assert.ok(text.includes(expected), `${expected} in ${text}`);
  }
  assert.ok((await page.locator('main a[href^="/requests/SQ"]').count()) >= 2, 'two or more requests on the agenda');
  await screenshot(page, 'clinic-day');
});
