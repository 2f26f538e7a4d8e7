// The site as `cargo xtask dist` builds it, served with the headers deploy/template.yaml gives it
// (its Content-Security-Policy, nosniff, HSTS; each file's type from headers.json), with /v1/*
// passed to `enlist serve --emulator` as CloudFront passes it to the Lambda proxy. The app must load
// and run a submission without one CSP violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accounts, finished, paste, send, serve, serveStatic } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const dist = process.env.ENLIST_DIST_SITE;
const template = readFileSync(new URL('../../deploy/template.yaml', import.meta.url), 'utf8');
const csp = template.match(/ContentSecurityPolicy: "([^"]+)"/)[1];

const shared = useBrowser(() => assert.ok(dist, 'ENLIST_DIST_SITE is set by cargo xtask ci'));

/** Serves `dist` like CloudFront with the template's headers, forwarding /v1/* to `proxy`. */
function cloudfront(proxy) {
  const manifest = new Map(JSON.parse(readFileSync(join(dist, 'headers.json'), 'utf8')).map((e) => [e.file, e]));
  const extra = {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'strict-transport-security': 'max-age=63072000; includeSubDomains',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
  const headers = (file) => {
    const entry = manifest.get(file);
    if (!entry) return undefined;
    const encoding = entry.contentEncoding === 'identity' ? {} : { 'content-encoding': entry.contentEncoding };
    return { 'content-type': entry.contentType, 'cache-control': entry.cacheControl, ...encoding, body: entry.body };
  };
  return serveStatic(dist, proxy, { headers, extra });
}

test('the built site runs under the template\'s CSP: no violation from loading to a finished run', async () => {
  const proxy = await serve();
  const { url } = await cloudfront(proxy.url);
  const page = await shared.browser.newPage();
  const violations = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (error) => violations.push(String(error)));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${url}/#token=${proxy.token}`);
  await page.waitForSelector('#list');
  // index.html has no inline script left, and .wasm arrives as application/wasm.
  const html = await (await fetch(url)).text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  const wasm = JSON.parse(readFileSync(join(dist, 'headers.json'), 'utf8')).find((e) => e.file.endsWith('.wasm'));
  const served = await fetch(`${url}/${wasm.file}`);
  assert.equal(served.headers.get('content-type'), 'application/wasm');
  // It was uploaded as its brotli copy: fetch decodes it back to the module trunk built.
  assert.equal(served.headers.get('content-encoding'), 'br');
  const module = Buffer.from(await served.arrayBuffer());
  assert.deepEqual(module, readFileSync(join(dist, wasm.file)));
  assert.ok(readFileSync(join(dist, wasm.body)).length < module.length / 2, 'the brotli copy is less than half the module');
  // config.json from the template is read: its regions are preset.
  assert.equal(await page.locator('#regions').inputValue(), 'us-east-1');
  await paste(page, accounts(120, 400000000000));
  await page.locator('[data-testid=counts]').filter({ hasText: '120 accounts to send in 3 batches' }).waitFor();
  // The gutter, the highlight and the table's spacers are styled through the CSSOM.
  await page.click('text=Load an example');
  await page.click('[data-testid=diagnostics] li.error button.where');
  await page.locator('[data-testid=highlight]').waitFor();
  await paste(page, accounts(120, 400000000000));
  await send(page, 'us-east-1');
  await finished(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
  assert.ok(await download.path());
  assert.deepEqual(violations, []);
});
