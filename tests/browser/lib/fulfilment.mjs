// The people and steps of policy fulfilment that several journeys walk: people in browsers of
// their own, a policy written and published, finance paying through the bank's file.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { newContext, login, visit, clickAndWait, screenshot, navTo } from './harness.mjs';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const BANK_HEADER = '批次号,行号,收款人名称,收款账号,开户银行,金额,用途,业务参考号';
export const BANK = '中国工商银行泉州台商投资区支行';

/** Opens one more person's browser (a context of their own) and logs them in. */
export async function person(people, watch, device, username) {
  const context = await newContext(device, watch);
  people.push(context);
  const page = await context.newPage();
  await login(page, username);
  return page;
}

/** Runs `fn(people)` and closes every context opened for it; on failure keeps a picture of each. */
export async function withPeople(fn) {
  const people = [];
  try {
    await fn(people);
  } catch (err) {
    for (const [i, context] of people.entries()) {
      for (const p of context.pages()) {
        await screenshot(p, `failures/fulfilment-person-${i}`).catch(() => {});
      }
    }
    throw err;
  } finally {
    for (const context of people) await context.close();
  }
}

/** The enterprise's card on its portal: name and credit code. */
export async function ownEnterprise(page) {
  assert.equal(new URL(page.url()).pathname, '/portal');
  const card = page.locator('main .card').first();
  const name = (await card.locator('h2').innerText()).trim();
  const href = await card.getByRole('link', { name: '查看企业画像' }).getAttribute('href');
  const code = href.split('/').pop();
  assert.match(code, /^[0-9A-HJ-NP-RTUW-Y]{18}$/);
  return { name, code };
}

/** The text of the <dd> after the <dt> labelled `label`. */
export async function fact(page, label) {
  return (await page.locator('dl.facts dt', { hasText: label }).first().locator('xpath=following-sibling::dd[1]').innerText()).trim();
}

/** A CSV line split into fields (quoted fields allowed). */
function csvFields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i += 1; } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Fills the policy editor: departments, budget, the definition and the guide. */
export async function writePolicy(page, { definition, budget, pledges = [], document }) {
  await page.getByLabel('所属部门').selectOption({ label: '工业和信息化局' });
  await page.getByLabel('资金预算').fill(budget);
  await page.getByLabel('初审部门').selectOption({ label: '工业和信息化局' });
  await page.getByLabel('复审部门').selectOption({ label: '财政局' });
  await page.getByLabel('审核时限').fill('5');
  // The definition file lives under 高级, beside the form-based builder.
  await page.locator('details.advanced summary').click();
  await page.getByLabel('政策定义').fill(definition);
  await page.getByLabel('政策原文').fill(document);
  await page.getByLabel('申报对象').fill('在本区注册、信用良好的企业');
  await page.getByLabel('申报条件(文字说明)').fill('注册地在本区,信用状况良好');
  await page.getByLabel('所需材料').fill('项目实施情况说明(以承诺代替)');
  await page.getByLabel('申报时间').fill('2026 年 3 月 1 日至 12 月 31 日');
  await page.getByLabel('咨询电话').fill('0595-87000088');
  await page.getByLabel('承诺').fill(pledges.map(([k, t]) => `${k}|${t}`).join('\n'));
}


/** Staff opens a policy of the library through the search, with a status filter. */
async function openFromLibrary(page, { title, status }) {
  await navTo(page, '政策库');
  await page.getByLabel('搜索政策').fill(title);
  if (status) await page.getByLabel('状态').selectOption({ label: status });
  await clickAndWait(page, page.getByRole('button', { name: '搜索' }));
  await clickAndWait(page, page.locator('.policy-hit h2 a', { hasText: title }));
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

/** The 经办人 saves the draft and sends it for review; the lead finds it and puts it on the shelf. */
export async function submitAndPublish(handler, lead, { id, title }, shot) {
  await clickAndWait(handler, handler.getByRole('button', { name: '保存为草稿' }));
  assert.equal(new URL(handler.url()).pathname, `/policies/${id}`);
  await handler.getByRole('heading', { level: 1, name: title }).waitFor();
  await handler.locator('.card .tag', { hasText: '草稿' }).first().waitFor();
  await clickAndWait(handler, handler.getByRole('button', { name: '提交审核' }));
  await handler.getByRole('status').filter({ hasText: '政策待审核' }).waitFor();
  assert.equal(await handler.getByRole('button', { name: '上架' }).count(), 0, 'a 经办人 cannot publish');

  await openFromLibrary(lead, { title, status: '待审核(本部门)' });
  assert.equal(new URL(lead.url()).pathname, `/policies/${id}`);
  await clickAndWait(lead, lead.getByRole('button', { name: '上架' }));
  await lead.getByRole('status').filter({ hasText: '政策已上架' }).waitFor();
  await lead.locator('.card .tag', { hasText: '已上架' }).first().waitFor();
  await screenshot(lead, shot);
}

/**
 * Finance puts every ready payout on a new batch, downloads the bank file, checks it, answers it
 * with the bank's result file (成功 for each line) and imports that. Returns the batch's lines.
 */
export async function financePays(finance, { receipt, name, account, amount }, shot) {
  await visit(finance, '/workbench');
  await navTo(finance, '直达拨付');
  assert.equal(new URL(finance.url()).pathname, '/payouts');
  const reference = `QQ-${receipt}`;
  const payoutRow = finance.locator('main table tbody tr', { hasText: reference });
  await payoutRow.getByText('待拨付').waitFor();

  await clickAndWait(finance, finance.getByRole('button', { name: '生成批次' }));
  const notice = await finance.getByRole('status').innerText();
  const [, batchNo] = /已生成批次 (\S+?):/.exec(notice) || [];
  assert.ok(batchNo, `a batch was made: ${notice}`);
  await payoutRow.getByText('拨付中').waitFor();
  const batchRow = finance.locator('main table tbody tr', { hasText: batchNo });

  // The bank file, exported as finance does it (a form: exporting marks the batch exported).
  const [download] = await Promise.all([
    finance.waitForEvent('download'),
    batchRow.getByRole('button', { name: '导出银行文件' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${batchNo}.csv`);
  const bytes = await readFile(await download.path());
  assert.ok(bytes.subarray(0, 3).equals(BOM), 'the bank file starts with the UTF-8 BOM');
  const lines = bytes.subarray(3).toString('utf8').split(/\r\n/).filter((l) => l.length > 0);
  assert.equal(lines[0], BANK_HEADER);
  const rows = lines.slice(1).map(csvFields);
  assert.ok(rows.length >= 1);
  for (const [i, r] of rows.entries()) {
    assert.equal(r.length, 8, `line ${i + 2} has eight fields`);
    assert.equal(r[0], batchNo);
    assert.equal(r[1], String(i + 1));
  }
  const ours = rows.find((r) => r[7] === reference);
  assert.ok(ours, `the bank file holds ${reference}: ${lines.join(' | ')}`);
  assert.deepEqual(ours.slice(2, 6), [name, account, BANK, amount]);
  assert.match(ours[6], /政策资金/);
  await visit(finance, '/payouts');
  await batchRow.getByText('(已报送)').waitFor();
  // Downloaded again, the exported file is the same bytes.
  const [again] = await Promise.all([
    finance.waitForEvent('download'),
    batchRow.getByRole('link', { name: /下载/ }).click(),
  ]);
  assert.ok((await readFile(await again.path())).equals(bytes), 'the exported file never changes');

  // The bank's answer: every line of the batch went through.
  const result = ['批次号,行号,业务参考号,状态,失败原因', ...rows.map((r) => `${r[0]},${r[1]},${r[7]},成功,`)].join('\r\n') + '\r\n';
  await finance.getByLabel('回单文件').setInputFiles({
    name: `${batchNo}-回单.csv`, mimeType: 'text/csv', buffer: Buffer.from(result, 'utf8'),
  });
  await clickAndWait(finance, finance.getByRole('button', { name: '导入回单' }));
  await finance.getByRole('status').filter({ hasText: `回单已导入:到账 ${rows.length} 笔,失败 0 笔` }).waitFor();
  await payoutRow.getByText('已到账').waitFor();
  const batchCells = (await batchRow.locator('td').allInnerTexts()).map((s) => s.trim());
  assert.equal(batchCells[3], String(rows.length), 'the batch counts every line paid');
  await screenshot(finance, shot);
  return rows;
}


export function accountNumber() {
  return `62220${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e5)).padStart(5, '0')}`;
}

/**
 * A policy's definition file of 工业和信息化局: `head` lines after its level (文号, topics …),
 * its conditions (one a line, all of them required) and the lines of its reward.
 */
export function policyDefinition({ id, title, mode = 'apply', head = [], conditions, reward }) {
  return [
    `id = "${id}"`,
    `title = "${title}"`,
    'department = "工业和信息化局"',
    'level = "district"',
    ...head,
    `mode = "${mode}"`,
    'effective = { from = 2025-01-01 }',
    '',
    '[conditions]',
    'all = [',
    ...conditions.map((c) => `  ${c},`),
    ']',
    '',
    '[reward]',
    ...reward,
    '',
  ].join('\n');
}

/** On 我的申报 (where it must be), the enterprise confirms a new bank account; returns its number. */
export async function confirmAccount(ent, name) {
  const account = accountNumber();
  await ent.getByLabel('户名').fill(name);
  await ent.getByLabel('账号').fill(account);
  await ent.getByLabel('开户银行').fill(BANK);
  await clickAndWait(ent, ent.getByRole('button', { name: '确认收款账户' }));
  await ent.getByRole('status').filter({ hasText: '收款账户已确认' }).waitFor();
  return account;
}
