import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
const [src, out, y, h] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 780, height: 1000 } });
await p.setContent(`<body style="margin:0"><img src="data:image/png;base64,${readFileSync(src).toString('base64')}"></body>`);
await p.screenshot({ path: out, clip: { x: 0, y: Number(y), width: 780, height: Number(h) } });
await b.close();
