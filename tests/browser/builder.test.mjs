// The form-based policy builder, on a phone: a 经办人 who writes no TOML builds a policy with
// two conditions and a percent reward, tries it on an enterprise, asks for the revenue two years
// in a row and shares the cost between city and district (told plainly what is wrong on the
// way), downloads the definition file,
// is told plainly why a broken file cannot be imported, and saves; the saved definition is the
// one the form built.
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import {
  PHONE, useBrowser, journey, login, visit, clickAndWait, screenshot, assertNoHorizontalScroll,
} from './lib/harness.mjs';

useBrowser();

/** Clicks a button of the editor that posts the form and comes back to it. */
async function press(page, name) {
  await clickAndWait(page, page.getByRole('button', { name, exact: true }));
}

/** Fills condition row `i` of the builder. */
async function condition(page, i, { attr, op, value }) {
  await page.locator(`[name="c${i}.attr"]`).selectOption({ label: attr });
  await page.locator(`[name="c${i}.op"]`).selectOption({ label: op });
  await page.locator(`[name="c${i}.value"]`).fill(value);
}

journey('表单编写政策:经办人在手机上添加两项条件和比例奖补,试算、下载定义文件、导入错误文件被拒,保存后定义与表单一致', { ...PHONE, acceptDownloads: true }, async ({ page }) => {
  const id = `qq-builder-${randomInt(1e6)}`;
  const title = `表单编写的研发奖励${id.slice(-6)}`;
  assert.equal(await login(page, 'handler'), '/workbench');

  await visit(page, '/policies/new');
  // The builder is the way in; the definition file waits under 高级.
  assert.equal(await page.locator('details.advanced').evaluate((d) => d.open), false);
  await page.getByLabel('政策名称').fill(title);
  await page.getByLabel('政策编号').fill(id);
  await page.getByLabel('发文部门').fill('工业和信息化局');
  await page.getByLabel('主题').fill('科技创新、研发投入');
  await page.getByLabel('按项目申报时,项目的叫法').fill('研发项目名称');

  await press(page, '添加条件');
  // An industry condition's value is picked by name: 计算机 offers the classes with their codes.
  await page.locator('[name="c0.attr"]').selectOption({ label: '所属行业' });
  await page.locator('[name="c0.value"]').fill('计算机');
  const classes = page.locator('#c0\\.value-classes option[value="C3911"]');
  await classes.waitFor({ state: 'attached' });
  assert.match(await classes.textContent(), /计算机整机制造/);
  await page.locator('[name="c0.attr"]').selectOption({ label: '所在区域' });
  assert.equal(await page.locator('[name="c0.value"]').getAttribute('list'), null, 'no industries for a region');
  await condition(page, 0, { attr: '所在区域', op: '属于(含下级)', value: '350521' });
  await press(page, '添加条件');
  // The first row kept what was chosen while the page went to the server and back.
  assert.equal(await page.locator('[name="c0.value"]').inputValue(), '350521');
  await condition(page, 1, { attr: '营业收入', op: '不低于', value: '1' });
  // Operators that do not fit the attribute are not offered.
  assert.equal(await page.locator('[name="c1.op"] option[value="under"]').evaluate((o) => o.hidden), true);

  await page.getByLabel('奖补方式').selectOption({ label: '按比例' });
  assert.equal(await page.getByLabel('每人最多月数').isVisible(), false, 'per-unit fields hide');
  await page.getByLabel('比例(如 10%)').fill('5%');
  await page.getByLabel('计算基数').selectOption({ label: '营业收入' });
  await page.getByLabel('封顶金额(元,可不填)').fill('50000');
  await page.getByLabel('政策原文').fill('对本区研发投入的企业,按营业收入的 5% 给予奖励,最高 5 万元。');
  await assertNoHorizontalScroll(page);

  // 试算 with the form as it stands, on an enterprise picked from those offered.
  const firm = await page.locator('#check-firms option').first().getAttribute('value');
  assert.match(firm, /^[0-9A-HJ-NP-RTUW-Y]{18}$/);
  await page.getByLabel('用一家企业试算').fill(firm);
  await press(page, '试算(不保存)');
  const preview = await page.locator('#preview').innerText();
  assert.match(preview, /^符合,可获 ¥[\d,]+\.\d\d/, preview);
  assert.match(preview, /✓ .*营业收入/, preview);
  await screenshot(page, 'builder-trial-phone');

  // 连续 N 年 and 分级承担 (市、区按 1:1): a mistake is named by its field, the form keeps what
  // was typed, and once right the definition file has both.
  const years = page.locator('[name="c1.consecutive_years"]');
  assert.equal(await page.locator('[name="c0.consecutive_years"]').isVisible(), false, 'not on a region row');
  await years.fill('11');
  await page.getByLabel('市级份额').fill('1');
  await press(page, '按表单更新定义文件');
  const mistakes = await page.locator('#builder-error').innerText();
  assert.match(mistakes, /第 2 项条件的“连续年数”应为 1 到 10 之间的整数/, mistakes);
  assert.match(mistakes, /分级承担须填写至少两级财政的份额.*现只填了“市级份额”/, mistakes);
  assert.equal(await page.getByLabel('市级份额').inputValue(), '1');
  await screenshot(page, 'builder-mistakes-phone');
  await years.fill('2');
  await page.getByLabel('区级份额').fill('1');
  await page.getByLabel('分级承担依据(条款,如 第八条)').fill('第五条');
  await press(page, '按表单更新定义文件');
  assert.equal(await page.locator('#builder-error').count(), 0);

  // The definition file is what the form built, and downloads as <id>.toml.
  await page.locator('details.advanced summary').click();
  const built = await page.getByLabel('政策定义文件').inputValue();
  for (const line of [
    `id = "${id}"`,
    'per_claim = "研发项目名称"',
    '{ attr = "region", under = ["350521"] },',
    '{ attr = "revenue", min = "1", consecutive_years = 2 },',
    'shares = { municipal = 1, district = 1, source = "第五条" }',
    'percent = "5%"',
    'of = "revenue"',
    'cap = "50000"',
  ]) assert.ok(built.includes(line), `the definition has ${line}:\n${built}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '下载定义文件' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${id}.toml`);
  assert.equal(await readFile(await download.path(), 'utf8'), built);

  // A broken file is refused with its line and reason, and the editor stays as it was.
  const dir = await mkdtemp(join(tmpdir(), 'qq-builder-'));
  const broken = join(dir, 'broken.toml');
  await writeFile(broken, built.replace('of = "revenue"', 'of = "revenu"'));
  await page.getByLabel('导入定义文件').setInputFiles(broken);
  await press(page, '导入');
  const refusal = await page.locator('#definition-file-error').innerText();
  assert.match(refusal, /broken\.toml 未导入:第 \d+ 行:未知属性“revenu”/, refusal);
  assert.equal(await page.getByLabel('政策定义文件').inputValue(), built);
  assert.equal(await page.getByLabel('比例(如 10%)').inputValue(), '5%');

  // Saved, the policy's definition is the one built.
  await press(page, '保存为草稿');
  assert.equal(new URL(page.url()).pathname, `/policies/${id}`);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  const saved = await (await page.request.get(`/api/v1/policies/${id}/definition`)).text();
  assert.equal(saved, built);
  await screenshot(page, 'builder-saved-phone');

  // Editing it again shows the same rows in the builder.
  await visit(page, `/policies/${id}/edit`);
  assert.equal(await page.locator('[name="c1.attr"]').inputValue(), 'revenue');
  assert.equal(await page.locator('[name="c1.consecutive_years"]').inputValue(), '2');
  assert.equal(await page.getByLabel('区级份额').inputValue(), '1');
  assert.equal(await page.getByLabel('按项目申报时,项目的叫法').inputValue(), '研发项目名称');
  assert.equal(await page.getByLabel('奖补方式').inputValue(), 'percent');
});
