// 诉求必应 and 政企合同, walked by the people who use them: the enterprise submits a request on
// its phone (an empty one is stopped with the reason), it is routed at once to 工业和信息化局,
// whose 经办人 signs for it and replies; the enterprise records its follow-up and the request is
// closed. Then the enterprise opens its agreements' pages on the phone.
import assert from 'node:assert/strict';
import {
  PHONE, DESKTOP, useBrowser, journey, newContext, login, visit, clickAndWait, screenshot,
  assertNoHorizontalScroll, runTag, unfold, navTo,
} from './lib/harness.mjs';

useBrowser();

journey('诉求必应:企业手机提交(空白被拦下)、即时分派到工信局、经办人签收并答复、企业回访满意后办结', PHONE, async ({ page: ent, watch }) => {
  const tag = runTag();
  await login(ent, 'enterprise');
  await navTo(ent, '诉求');
  await ent.getByRole('heading', { level: 1, name: '我的诉求' }).waitFor();
  watch.expectStatus(422, '/requests');
  await unfold(ent, '提交新诉求');
  await ent.getByLabel('类别').selectOption({ label: '政策咨询(1 个工作日内办结)' });
  await clickAndWait(ent, ent.getByRole('button', { name: '提交诉求' }));
  await ent.locator('#request-form .field-error .error-text').first().waitFor();
  assert.equal(new URL(ent.url()).pathname, '/requests');
  const question = `设备投资补助能否按季度申报?(${tag})`;
  await ent.getByLabel('遇到的问题').fill(question);
  await clickAndWait(ent, ent.getByRole('button', { name: '提交诉求' }));
  const receipt = decodeURIComponent(new URL(ent.url()).pathname.split('/').pop());
  assert.match(receipt, /^SQ/);
  const card = ent.locator('main .card').first();
  assert.match(await card.innerText(), /受理部门:工业和信息化局/);
  assert.ok((await card.innerText()).includes(question));
  await assertNoHorizontalScroll(ent);
  await screenshot(ent, 'requests-submitted-phone');

  const context = await newContext(DESKTOP, watch);
  try {
    const handler = await context.newPage();
    await login(handler, 'handler');
    await visit(handler, `/requests/${receipt}`);
    await clickAndWait(handler, handler.getByRole('button', { name: '签收' }));
    await handler.getByRole('status').filter({ hasText: '已保存' }).waitFor();
    await handler.getByLabel('答复企业(用通俗的话写明办理情况和结果)').fill(`可以。设备投资补助按年度申报,季度投资可累计计入(${tag})`);
    await clickAndWait(handler, handler.getByRole('button', { name: '答复' }));
    await handler.getByRole('status').filter({ hasText: '已保存' }).waitFor();
    await screenshot(handler, 'requests-replied');
  } finally {
    await context.close();
  }

  await visit(ent, `/requests/${receipt}`);
  assert.match(await ent.locator('main .card').first().innerText(), /按年度申报/);
  await ent.getByLabel('满意', { exact: true }).check();
  await clickAndWait(ent, ent.getByRole('button', { name: '提交回访' }));
  await ent.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  const closed = await ent.locator('main .card').first().innerText();
  assert.match(closed, /回访:满意/);
  assert.equal(await ent.getByRole('button', { name: '提交回访' }).count(), 0, 'a closed request takes no second follow-up');
  await assertNoHorizontalScroll(ent);
  await screenshot(ent, 'requests-closed-phone');

  await navTo(ent, '政企合同');
  assert.equal(new URL(ent.url()).pathname, '/agreements');
  await assertNoHorizontalScroll(ent);
  await screenshot(ent, 'agreements-phone');
});
