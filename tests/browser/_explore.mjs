import { chromium } from 'playwright-core';
const B = 'http://127.0.0.1:18777';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox'] });
const ctx = await browser.newContext({ baseURL: B });
const page = await ctx.newPage();
async function login(u) { await page.goto('/login'); await page.getByLabel('用户名').fill(u); await page.getByLabel('密码').fill('Demo2026qq'); await Promise.all([page.waitForNavigation(), page.getByRole('button',{name:'登录'}).click()]); }
await login(process.argv[2]);
for (const p of process.argv.slice(3)) { await page.goto(p); console.log('=== ', p, page.url()); console.log(await page.locator('main').innerText()); }
await browser.close();
