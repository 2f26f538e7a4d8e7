// Enlist's UI in Debian's Chromium, driven by Playwright, against `enlist serve --emulator` serving
// the release build. Screenshots of each step go to $ENLIST_SCREENSHOTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const bin = process.env.ENLIST_BIN;
const site = process.env.ENLIST_SITE;
const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
const fixture = (name) => readFileSync(new URL(`../../crates/enlist-core/tests/fixtures/${name}`, import.meta.url), 'utf8');
mkdirSync(shots, { recursive: true });

let browser;
const servers = [];

before(async () => {
  assert.ok(bin && site, 'ENLIST_BIN and ENLIST_SITE are set by cargo xtask ci');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const server of servers) server.child.kill();
});

/** Starts `enlist serve --emulator` on a free loopback port and reads its URL, token and detector. */
function serve(faults) {
  const args = ['serve', '--emulator', '--ui-dir', site, '--bind', '127.0.0.1:0'];
  if (faults) args.push('--emulator-faults', JSON.stringify(faults));
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    const server = { child };
    servers.push(server);
    createInterface({ input: child.stderr }).on('line', (line) => {
      const banner = line.match(/^Enlist proxy on (\S+) .*detector (\w+)/);
      if (banner) [, server.url, server.detector] = banner;
      const token = line.match(/^token: (\w+)/);
      if (token) {
        server.token = token[1];
        resolve(server);
      }
    });
    child.on('exit', (code) => reject(new Error(`enlist serve exited with ${code}`)));
  });
}

async function open(server) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.waitForSelector('#list');
  return { page, errors };
}

// Setting megabytes through page.fill() is slow; set the value and fire the input event instead.
async function paste(page, text) {
  await page.evaluate((t) => {
    const list = document.querySelector('#list');
    list.value = t;
    list.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

function accounts(n, first) {
  return Array.from({ length: n }, (_, i) => `${String(first + i * 7).padStart(12, '0')},member${i}@example.com`).join('\n');
}

async function send(page, regions) {
  await page.fill('text=Regions (comma-separated) >> input', regions);
  await page.click('text=Find detectors and graphs');
  await page.waitForSelector('[data-testid=preview]');
  await page.click('button.primary:has-text("Send")');
}

async function members(server, region) {
  const found = [];
  let token = null;
  do {
    const query = new URLSearchParams({ onlyAssociated: 'false', maxResults: '50', ...(token ? { nextToken: token } : {}) });
    // The injected faults apply to this listing too: retry until the page comes.
    let page;
    for (let attempt = 0; !page && attempt < 30; attempt++) {
      const response = await fetch(`${server.url}/v1/guardduty/${region}/detector/${server.detector}/member?${query}`, { headers: { authorization: `Bearer ${server.token}` } });
      if (response.ok) page = await response.json();
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(page, `ListMembers in ${region} kept failing`);
    found.push(...page.members.map((m) => m.accountId));
    token = page.nextToken;
  } while (token);
  return found.sort();
}

test('a mixed paste shows every problem on its line, and a fix can be applied', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  assert.equal(await page.locator('[data-testid=counts]').textContent(), 'Paste a list above, or load the example.');
  await page.screenshot({ path: `${shots}/1-empty.png`, fullPage: true });
  await paste(page, fixture('mixed-problems.csv'));
  const counts = page.locator('[data-testid=counts]');
  await assert.doesNotReject(counts.filter({ hasText: '5 accounts to send in 1 batch · 7 errors · 3 warnings' }).waitFor());
  const diagnostics = await page.locator('[data-testid=diagnostics] li').allTextContents();
  assert.equal(diagnostics.length, 13);
  assert.match(diagnostics[2], /^line 3:1error\[E003\]expected a 12-digit account ID, found 11 digits/);
  await page.screenshot({ path: `${shots}/2-problems.png`, fullPage: true });
  await page.click('button.fix:has-text("Use 011112222333")');
  await counts.filter({ hasText: '6 accounts to send in 1 batch · 6 errors' }).waitFor();
  assert.deepEqual(errors, []);
});

test('500 accounts to two regions under throttling and 5xx: every row ends, and created ones are the members', async () => {
  const server = await serve({ throttleRate: 0.2, errorRate: 0.1, seed: 5 });
  const { page, errors } = await open(server);
  const list = accounts(500, 100000000000);
  await paste(page, list);
  await page.locator('[data-testid=counts]').filter({ hasText: '500 accounts to send in 10 batches' }).waitFor();
  await send(page, 'us-east-1, eu-west-1');
  await page.screenshot({ path: `${shots}/3-sending.png`, fullPage: true });
  await page.locator('[data-testid=progress]').filter({ hasText: '20 of 20 batches done' }).waitFor({ timeout: 120_000 });
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/4-results.png` });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'line,account,email,service,region,outcome,detail,error_code,attempts,request_id');
  const rows = csv.slice(1).map((line) => line.split(','));
  assert.equal(rows.length, 1000, 'one row per account and region');
  assert.ok(rows.every((r) => ['created', 'failed'].includes(r[5])), 'every row ends created or, after three attempts, failed');
  assert.ok(rows.some((r) => Number(r[8]) > 1), 'throttled and failed batches were retried');
  // What the page calls created is exactly what the service lists as members, region by region.
  for (const region of ['us-east-1', 'eu-west-1']) {
    const created = rows.filter((r) => r[4] === region && r[5] === 'created').map((r) => r[1]).sort();
    assert.deepEqual(await members(server, region), created);
  }
  assert.deepEqual(errors, []);
});

test('a reload in the middle of a run offers to resume it, and it finishes', async () => {
  const server = await serve({ latencyMs: 700, seed: 1 });
  const { page, errors } = await open(server);
  await paste(page, accounts(300, 200000000000));
  await send(page, 'us-east-1');
  await page.locator('[data-testid=progress]').filter({ hasText: /^[1-5] of 6 batches done/ }).waitFor({ timeout: 30_000 });
  await page.reload();
  await page.click('text=Resume it');
  const restored = await page.locator('#list').inputValue();
  assert.ok(restored.startsWith('200000000000,member0@example.com'), 'the list comes back with the run');
  await page.screenshot({ path: `${shots}/5-resumed.png`, fullPage: true });
  await page.locator('[data-testid=progress]').filter({ hasText: '6 of 6 batches done' }).waitFor({ timeout: 60_000 });
  const options = await page.locator('select option').allTextContents();
  const total = options.slice(1).reduce((sum, option) => sum + Number(option.match(/\((\d+)\)/)[1]), 0);
  assert.equal(total, 300);
  assert.ok(options.slice(1).every((o) => /^(created|probably-created) /.test(o)), options.join(' | '));
  assert.equal((await members(server, 'us-east-1')).length, 300);
  assert.deepEqual(errors, []);
});

test('markup in an email or a line stays text', async () => {
  const server = await serve();
  const { page } = await open(server);
  await paste(page, '111122223333,<img src=x onerror="window.__xss=1">@example.com\n<script>window.__xss=2</script>\n');
  await page.locator('[data-testid=diagnostics] li').first().waitFor();
  const text = await page.locator('[data-testid=diagnostics]').textContent();
  assert.ok(text.includes('<img src=x onerror="window.__xss=1">@example.com'), text);
  assert.ok(text.includes('<script>window.__xss=2</script>'), text);
  assert.equal(await page.locator('[data-testid=diagnostics] img, [data-testid=diagnostics] script').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await page.screenshot({ path: `${shots}/6-inert.png`, fullPage: true });
});
