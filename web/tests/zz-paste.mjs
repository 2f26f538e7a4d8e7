import { accounts, launch, open, paste, serve, stopServers } from './harness.mjs';
import { readFileSync } from 'node:fs';
const src = readFileSync(new URL('./bench.mjs', import.meta.url), 'utf8');
const PASTE = eval('(' + src.slice(src.indexOf('async ({ text, app, shown'), src.indexOf('\n};\n', src.indexOf('const PASTE')) + 2) + ')');
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launch();
try {
  const server = await serve();
  const { page } = await open(browser, server);
  const list20k = `Account ID,Email\n${accounts(20_000, 500_000_000_000)}\n`;
  const csv = `Account ID,Email\n${accounts(100_000, 100_000_000_000)}\n`;
  for (const event of [true, false]) {
    const runs = await page.evaluate(PASTE, { text: csv, app: true, event });
    console.log('100k event', event, runs.map((r) => r.total.toFixed(0)).join(' '));
  }
  await paste(page, `Account ID,Email\n${accounts(10_000, 200_000_000_000)}\n`);
  await page.locator('[data-testid=counts]').filter({ hasText: '10,000 accounts' }).waitFor();
  await page.evaluate(() => { const list = document.querySelector('#list'); const at = list.value.indexOf('\n', list.value.length / 2); list.setSelectionRange(at, at); list.focus(); });
  for (let i = 0; i < 40; i++) { await page.keyboard.press(i % 2 === 0 ? 'x' : 'Backspace'); await page.waitForTimeout(30); }
  for (const event of [true, false, true, false]) {
    const runs = await page.evaluate(PASTE, { text: list20k, app: true, shown: '20,000 accounts', event });
    console.log('event', event, runs.map((r) => r.total.toFixed(0)).join(' '), 'med', med(runs.map((r) => r.total)).toFixed(1));
  }
} finally { await browser.close(); stopServers(); }
