// Journey 4: a town's 经办人 sees only their town's enterprises and is refused the others.
import assert from 'node:assert/strict';
import { DESKTOP, useBrowser, journey, login, visit, clickAndWait } from './lib/harness.mjs';

useBrowser();

const TOWN = '350521101'; // 东园镇, the town account's scope
const OTHER_TOWN = '350521102'; // 张坂镇

async function rowsOf(page) {
  return page.locator('main table tbody tr:has(a)').evaluateAll((trs) =>
    trs.map((tr) => {
      const td = [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
      return { name: td[0], code: td[1], region: td[3] };
    }),
  );
}

journey('镇经办人只看到本镇企业,打开外镇企业画像如同不存在(404)', DESKTOP, async ({ page, watch }) => {
  // The district handler picks an enterprise of another town, then signs out.
  assert.equal(await login(page, 'handler'), '/workbench');
  await visit(page, `/enterprises?region=${OTHER_TOWN}`);
  const others = await rowsOf(page);
  assert.ok(others.length > 0, `the demo has enterprises in ${OTHER_TOWN}`);
  assert.ok(others.every((r) => r.region.startsWith(OTHER_TOWN)));
  const foreign = others[0];
  await clickAndWait(page, page.locator('header').getByRole('button', { name: '退出' }));
  assert.equal(new URL(page.url()).pathname, '/login');
  await visit(page, '/workbench'); // signed out: back to the login page
  assert.equal(new URL(page.url()).pathname, '/login');

  // The town's 经办人.
  assert.equal(await login(page, 'town'), '/workbench');
  const scope = await page.locator('.card', { hasText: '数据范围' }).innerText();
  assert.ok(scope.includes(TOWN), `the workbench names the town's scope: ${scope}`);
  const count = Number((await page.locator('.stat').innerText()).trim());
  assert.ok(count > 0 && count < 300, `the town sees part of the district, got ${count}`);

  // Every page of the list holds only the town's enterprises, and they add up to the count.
  await clickAndWait(page, page.getByRole('link', { name: '进入企业库' }));
  await page.getByRole('heading', { name: `企业库 共 ${count} 家` }).waitFor();
  const seen = [];
  for (let n = 1; n <= 20; n += 1) {
    const rows = await rowsOf(page);
    for (const r of rows) assert.ok(r.region.startsWith(TOWN), `${r.name} (${r.region}) is outside ${TOWN}`);
    seen.push(...rows);
    const next = page.locator('.pager').getByRole('link', { name: '下一页' });
    if ((await next.count()) === 0) break;
    await clickAndWait(page, next);
  }
  assert.equal(seen.length, count, 'the pages list every enterprise of the scope once');
  assert.ok(!seen.some((r) => r.code === foreign.code));

  // Searching another town's code or prefix finds nothing.
  await visit(page, `/enterprises?q=${foreign.code}`);
  await page.getByText('没有符合条件的企业').waitFor();
  await visit(page, `/enterprises?region=${OTHER_TOWN}`);
  await page.getByText('没有符合条件的企业').waitFor();

  // Typing the address of the other town's enterprise: answered as if it did not exist, so
  // nobody can probe which credit codes are registered.
  watch.expectStatus(404, `/enterprises/${foreign.code}`);
  await visit(page, `/enterprises/${foreign.code}`, 404);
  await page.getByRole('heading', { name: '未找到' }).waitFor();
  assert.ok(!(await page.locator('main').innerText()).includes(foreign.name), 'nothing of the enterprise leaks');
  watch.expectStatus(404, `/enterprises/${foreign.code}/edit`);
  await visit(page, `/enterprises/${foreign.code}/edit`, 404);
  await page.getByRole('heading', { name: '未找到' }).waitFor();

  // Its own enterprises open normally.
  await visit(page, `/enterprises/${seen[0].code}`);
  await page.getByRole('heading', { level: 1, name: seen[0].name }).waitFor();
});
