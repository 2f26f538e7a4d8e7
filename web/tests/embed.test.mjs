// The embed package as `cargo xtask dist-embed` builds it: web/embed/example.html, a docs-like page,
// validates a paste through the JavaScript API and runs a submission through <enlist-members>,
// which sits inside the page's own shadow root, against `enlist serve --emulator`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accounts, finished, serve, serveStatic } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const embed = process.env.ENLIST_EMBED;
const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
const shared = useBrowser(() => assert.ok(embed, 'ENLIST_EMBED is set by cargo xtask ci'));

test('a docs page validates with the JS API and submits through the element in a shadow root', async () => {
  const proxy = await serve();
  const site = await serveStatic(embed, proxy.url);
  const page = await shared.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${site.url}/example.html#token=${proxy.token}`);

  // The JS API: problems with 1-based lines and UTF-16 columns, as the page's editor counts.
  await page.fill('#docs-input', 'Account ID,Email\n🔐11122223333,a@example.com\n111122224444,b@example.com\n');
  await page.locator('#docs-summary').filter({ hasText: '1 accounts, 1 errors' }).waitFor();
  const problems = await page.locator('#problems li.error').allTextContents();
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0], /^line 2:1 error\[E00\d\]/);
  // The page uses the parse-only module; the full one also builds requests and exports results.
  const exported = await page.evaluate(async () => [
    Object.keys(await import('./enlist-parse.js')).sort(),
    Object.keys(await import('./enlist.js')).sort(),
  ]);
  assert.ok(exported[0].includes('parse') && !exported[0].includes('buildRequests'), exported[0].join());
  assert.ok(['parse', 'buildRequests', 'exportResults'].every((f) => exported[1].includes(f)), exported[1].join());

  // The element: the whole app in its shadow root, itself inside the page's component's shadow root.
  const list = page.locator('runbook-panel enlist-members #list');
  await list.waitFor();
  assert.equal(await page.evaluate(() => document.querySelector('#list')), null, 'the app lives in shadow DOM');
  await list.evaluate((element, text) => {
    element.value = text;
    element.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertFromPaste' }));
  }, accounts(60, 500000000000));
  await page.locator('enlist-members [data-testid=counts]').filter({ hasText: '60 accounts to send in 2 batches' }).waitFor();
  await page.click('enlist-members >> text=Find detectors and graphs');
  await page.click('enlist-members button.primary:has-text("Send")');
  await finished(page, 'enlist-members ');
  const outcomes = await page.locator('enlist-members select option').allTextContents();
  assert.ok(outcomes.includes('invited (60)'), outcomes.join(' | '));
  // The app's style sheet applies inside the shadow root.
  const display = await page.locator('enlist-members .editor').evaluate((e) => getComputedStyle(e).display);
  assert.equal(display, 'grid');
  await page.screenshot({ path: `${shots}/10-embed.png`, fullPage: true });
  assert.deepEqual(errors, []);
});
