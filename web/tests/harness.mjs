// What the browser tests and the browser benchmarks share: Debian's Chromium through Playwright,
// `enlist serve --emulator` on a free loopback port, and the steps a user takes.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const bin = process.env.ENLIST_BIN;
export const site = process.env.ENLIST_SITE;

const servers = [];

export function launch() {
  if (!bin || !site) throw new Error('expected ENLIST_BIN and ENLIST_SITE (set by cargo xtask ci and cargo xtask bench), found them unset');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Stops every server `serve` started. */
export function stopServers() {
  for (const server of servers) server.child.kill();
}

/** The emulator verifies emails in a fifth of a second in these tests (five seconds by default). */
export const QUICK = ['--emulator-config', JSON.stringify({ verificationDelayMs: 200 })];

/**
 * Starts `enlist serve --emulator` on a free loopback port and reads its URL, token and detector.
 * `extra` adds arguments, such as `['--emulator-config', JSON]` for the emulator's lifecycle.
 */
export function serve(faults, uiDir = site, extra = QUICK) {
  const args = ['serve', '--emulator', '--ui-dir', uiDir, '--bind', '127.0.0.1:0', ...extra];
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

/** A fresh page of the app with the server's token; page errors are collected. */
export async function open(browser, server) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.waitForSelector('#list');
  return { page, errors };
}

/** Puts `text` in the editor as a paste would (page.fill() is slow for megabytes). */
export async function paste(page, text) {
  // After a reload the app may not have mounted yet.
  await page.waitForSelector('#list');
  await page.evaluate((t) => {
    const list = document.querySelector('#list');
    list.value = t;
    list.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
}

export const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-1', 'ap-southeast-2'];

/** `n` lines of `ID,email`, IDs from `first` in steps of 7. */
export function accounts(n, first) {
  return Array.from({ length: n }, (_, i) => `${String(first + i * 7).padStart(12, '0')},member${i}@example.com`).join('\n');
}

/** Chooses regions and finds their detectors; the preview appears. */
export async function choose(page, regions) {
  await page.fill('#regions', regions);
  // The button names what it finds for the services ticked (detectors and graphs, hubs).
  await page.click('#find');
  await page.waitForSelector('[data-testid=preview]');
  // Once discovery is done the page moves the focus to the first field it filled; typing before
  // that would land in whichever field has the focus then.
  await page.waitForFunction(() => document.activeElement?.id === 'destination-0', null, { timeout: 5_000 });
}

export async function send(page, regions) {
  await choose(page, regions);
  await page.click('button.primary:has-text("Send")');
}

/** Waits until the run has finished (every outcome settled, nothing in flight). */
export async function finished(page, prefix = '', timeout = 120_000) {
  await page.locator(`${prefix}[data-testid=progress]`).filter({ hasText: /· finished$/ }).waitFor({ timeout });
}

/**
 * What the emulator holds in `region`, read through the proxy with the services' own ListMembers
 * (retried through any injected faults): account → status, as the service writes it.
 */
export async function members(server, service, region) {
  const found = {};
  let token = null;
  do {
    let page;
    for (let attempt = 0; !page && attempt < 100; attempt++) {
      const headers = { authorization: `Bearer ${server.token}` };
      const response = service === 'securityhub'
        ? await fetch(`${server.url}/v1/securityhub/${region}/members?${new URLSearchParams({ OnlyAssociated: 'false', MaxResults: '50', ...(token ? { NextToken: token } : {}) })}`, { headers })
        : service === 'guardduty'
        ? await fetch(`${server.url}/v1/guardduty/${region}/detector/${server.detector}/member?${new URLSearchParams({ onlyAssociated: 'false', maxResults: '50', ...(token ? { nextToken: token } : {}) })}`, { headers })
        : await fetch(`${server.url}/v1/detective/${region}/graph/members/list`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ GraphArn: `arn:aws:detective:${region}:111122223333:graph:${server.detector}`, MaxResults: 200, ...(token ? { NextToken: token } : {}) }),
        });
      if (response.ok) page = await response.json();
      else await new Promise((r) => setTimeout(r, 50));
    }
    if (!page) throw new Error(`ListMembers of ${service} in ${region} kept failing`);
    for (const m of page.members ?? page.MemberDetails ?? page.Members) found[m.accountId ?? m.AccountId] = m.relationshipStatus ?? m.Status ?? m.MemberStatus;
    token = page.nextToken ?? page.NextToken;
  } while (token);
  return found;
}

/**
 * Scrolls the outcome table 60 times — 30 small steps of 450 px, then 30 of `big` px — and times each
 * step from the scroll event to the rows drawn and laid out. Resolves to `{ runs, rows }`: the step
 * times in ms, and the most rows that were in the DOM at once.
 */
export function scrollSteps(page, big) {
  return page.evaluate(async (big) => {
    const table = document.querySelector('.table-wrap');
    const drawn = () => document.querySelectorAll('[data-testid=results] tbody tr:not(.spacer)').length;
    const runs = [];
    let rows = 0;
    for (let i = 0; i < 60; i++) {
      let start = 0;
      const seen = new Promise((r) => window.addEventListener('scroll', () => { start = performance.now(); r(); }, { capture: true, once: true }));
      table.scrollTop += i < 30 ? 450 : big;
      await seen;
      await new Promise((r) => setTimeout(r, 0));
      void document.body.offsetHeight;
      runs.push(performance.now() - start);
      rows = Math.max(rows, drawn());
    }
    return { runs, rows };
  }, big);
}

/** The status label Enlist shows for a status as a service writes it. */
export function label(status) {
  return {
    Created: 'created', Invited: 'invited', INVITED: 'invited', Enabled: 'enabled', ENABLED: 'enabled',
    EmailVerificationFailed: 'verification-failed', VERIFICATION_FAILED: 'verification-failed',
    EmailVerificationInProgress: 'verifying-email', VERIFICATION_IN_PROGRESS: 'verifying-email',
  }[status] ?? status;
}

/** The exported CSV of the page's results, as rows of named fields. */
export async function exported(page, prefix = '') {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${prefix}button:has-text("Export CSV")`)]);
  const [header, ...lines] = readFileSync(await download.path(), 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(fields(line).map((v, i) => [names[i], v])));
}

/** The fields of one CSV line (quoted fields may hold commas and doubled quotes). */
function fields(line) {
  const out = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') { field += '"'; i++; }
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) { out.push(field); field = ''; }
    else field += c;
  }
  out.push(field);
  return out;
}

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', wasm: 'application/wasm', css: 'text/css; charset=utf-8', svg: 'image/svg+xml', json: 'application/json', md: 'text/markdown', ts: 'text/plain' };

/**
 * Serves the files of `dir` on a free loopback port and passes `/v1/*` to `proxy`, the way
 * CloudFront does for the deployed site. `headers(file)` gives each file's headers (by default its
 * type by extension); `extra` is added to every answer. Resolves to the server; `.url` is its URL.
 */
export function serveStatic(dir, proxy, { headers, extra = {} } = {}) {
  const typeOf = (file) => ({ 'content-type': TYPES[file.split('.').pop()] ?? 'application/octet-stream' });
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      if (req.url.startsWith('/v1/')) {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        const forwarded = { ...req.headers };
        delete forwarded.host;
        const answer = await fetch(`${proxy}${req.url}`, { method: req.method, headers: forwarded, body: chunks.length ? Buffer.concat(chunks) : undefined });
        res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), ...extra });
        res.end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      const file = req.url === '/' ? 'index.html' : decodeURIComponent(req.url.slice(1).split(/[?#]/)[0]);
      const own = file.includes('..') || !existsSync(join(dir, file)) ? null : (headers ?? typeOf)(file);
      if (!own) {
        res.writeHead(404, extra);
        res.end();
        return;
      }
      // `body` names the file whose bytes are sent (a precompressed copy, as S3 holds it).
      const { body = file, ...sent } = own;
      res.writeHead(200, { ...sent, ...extra });
      res.end(readFileSync(join(dir, body)));
    });
    server.listen(0, '127.0.0.1', () => {
      server.url = `http://127.0.0.1:${server.address().port}`;
      servers.push({ child: { kill: () => server.close() } });
      resolve(server);
    });
  });
}
