// Enlist's UI in Debian's Chromium, driven by Playwright, against `enlist serve --emulator` serving
// the release build. Screenshots of each step go to $ENLIST_SCREENSHOTS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGIONS, accounts, choose, open as openPage, paste, send, serve, site } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
const fixture = (name) => readFileSync(new URL(`../../crates/enlist-core/tests/fixtures/${name}`, import.meta.url), 'utf8');
mkdirSync(shots, { recursive: true });

const shared = useBrowser();
const open = (server) => openPage(shared.browser, server);

/** The count in an outcome option: `cancelled (9,620)` → 9620. */
const count = (option) => Number(option.match(/\(([\d,]+)\)$/)[1].replaceAll(',', ''));

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
  assert.equal(await page.locator('[data-testid=counts]').textContent(), 'Paste a list above, open a file, or load the example.');
  await page.screenshot({ path: `${shots}/1-empty.png`, fullPage: true });
  await paste(page, fixture('mixed-problems.csv'));
  const counts = page.locator('[data-testid=counts]');
  await assert.doesNotReject(counts.filter({ hasText: '5 accounts to send in 1 batch · 7 errors · 3 warnings' }).waitFor());
  const diagnostics = await page.locator('[data-testid=diagnostics] li').allTextContents();
  assert.equal(diagnostics.length, 13);
  assert.match(diagnostics[2], /^line 3:1error\[E003\]expected a 12-digit account ID, found 11 digits/);
  // The gutter marks the lines with errors.
  const marked = await page.locator('.gutter .error').allTextContents();
  assert.ok(marked.includes('3'), marked.join(','));
  // Clicking a diagnostic selects its text in the editor and highlights its line.
  await page.click('[data-testid=diagnostics] li:nth-child(3) button.where');
  await page.locator('[data-testid=highlight][data-line="3"]').waitFor();
  const selected = await page.evaluate(() => {
    const list = document.querySelector('#list');
    return { text: list.value.slice(list.selectionStart, list.selectionEnd), focused: document.activeElement === list };
  });
  assert.deepEqual(selected, { text: '11112222333', focused: true });
  await page.screenshot({ path: `${shots}/2-problems.png`, fullPage: true });
  await page.click('button.fix:has-text("Use 011112222333")');
  await counts.filter({ hasText: '6 accounts to send in 1 batch · 6 errors' }).waitFor();
  // With errors left, sending needs a deliberate choice to skip those lines.
  await choose(page, 'us-east-1');
  await page.locator('label.skip').waitFor();
  assert.equal(await page.locator('button.primary:has-text("Send")').isDisabled(), true);
  await page.check('label.skip input');
  await page.click('button.primary:has-text("Send")');
  await page.locator('[data-testid=progress]').filter({ hasText: '1 of 1 batches done' }).waitFor({ timeout: 30_000 });
  const outcomes = await page.locator('select option').allTextContents();
  // The six valid accounts were sent (one is the emulator's administrator, which the service
  // refuses); the six lines with errors are listed as skipped, not dropped.
  assert.deepEqual(outcomes, ['every outcome (12)', 'created (5)', 'skipped (6)', 'unprocessed (1)']);
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
  assert.ok(rows.every((r) => ['created', 'failed'].includes(r[5])), 'every row ends created or, out of attempts, failed');
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
  const total = options.slice(1).reduce((sum, option) => sum + count(option), 0);
  assert.equal(total, 300);
  assert.ok(options.slice(1).every((o) => /^(created|probably created) /.test(o)), options.join(' | '));
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

test('files: a UTF-16 export is read, a spreadsheet is refused with a way out, a dropped file replaces the list', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const counts = page.locator('[data-testid=counts]');
  // Excel's "Unicode text" is UTF-16 with a byte order mark and tabs.
  const text = 'Account ID\tEmail\r\n111122224444\ta@example.com\r\n111122225555\tb@example.com\r\n';
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  await page.setInputFiles('input[type=file]', { name: 'accounts.txt', mimeType: 'text/plain', buffer: utf16 });
  await counts.filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
  assert.match(await page.locator('p.notice').textContent(), /^Read accounts\.txt \(\d+ bytes\)$/);
  await page.setInputFiles('input[type=file]', { name: 'accounts.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK') });
  await page.locator('p.notice.bad').filter({ hasText: 'expected a .csv, .tsv, .txt or .json file, found the spreadsheet accounts.xlsx' }).waitFor();
  assert.ok((await page.locator('#list').inputValue()).includes('111122224444'), 'a refused file leaves the list alone');
  await page.setInputFiles('input[type=file]', { name: 'latin1.csv', mimeType: 'text/csv', buffer: Buffer.from('111122226666,ren\xe9@example.com\n', 'latin1') });
  await page.locator('p.notice.bad').filter({ hasText: 'latin1.csv: expected UTF-8 text, found the byte 0xE9 on line 1' }).waitFor();
  // Drop a JSON file on the editor.
  const transfer = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    const json = JSON.stringify({ Accounts: [{ Id: '111122227777', Email: 'c@example.com', Status: 'ACTIVE' }] });
    data.items.add(new File([json], 'list-accounts.json', { type: 'application/json' }));
    return data;
  });
  await page.dispatchEvent('.editor', 'drop', { dataTransfer: transfer });
  await counts.filter({ hasText: '1 account to send in 1 batch' }).waitFor();
  assert.match(await counts.textContent(), /read as JSON$/);
  await page.screenshot({ path: `${shots}/7-file.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test('config.json presets Detective; the graph gives the administrator; bad values are named; organization mode sends IDs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'enlist-site-'));
  try {
    cpSync(site, dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ services: ['detective'], regions: ['us-east-1'], detectiveMessage: 'Security is adding your account' }));
    const server = await serve(undefined, dir);
    const { page, errors } = await open(server);
    await page.locator('#message').waitFor();
    assert.equal(await page.locator('#message').inputValue(), 'Security is adding your account');
    assert.equal(await page.locator('text=GuardDuty >> input').isChecked(), false);
    await paste(page, '111122224444\n111122225555\n');
    await page.locator('[data-testid=counts]').filter({ hasText: '2 errors' }).waitFor();
    await choose(page, 'us-east-1');
    // The graph ARN names the administrator account, which is filled in.
    const arn = await page.locator('#destination-0').inputValue();
    assert.match(arn, /^arn:aws:detective:us-east-1:111122223333:graph:[0-9a-f]{32}$/);
    assert.equal(await page.locator('#admin').inputValue(), '111122223333');
    // A message Detective would refuse is named at the field and nothing can be sent.
    await page.fill('#message', 'x'.repeat(1001));
    await page.locator('#message-problem').filter({ hasText: 'expected an invitation message of 1 to 1,000 characters, found 1001' }).waitFor();
    assert.equal(await page.locator('[data-testid=preview]').count(), 0);
    await page.fill('#message', 'Security is adding your account');
    // A typed graph ARN is checked as typed.
    await page.fill('#destination-0', 'arn:aws:detective:eu-west-1:111122223333:graph:0123');
    await page.locator('#destination-0').dispatchEvent('change');
    await page.locator('#destination-0-problem').filter({ hasText: 'expected' }).waitFor();
    await page.fill('#destination-0', arn);
    await page.locator('#destination-0').dispatchEvent('change');
    // Organization mode: the accounts need no email, and none is invited.
    await page.check('text=Organization behavior graph >> input');
    await page.locator('[data-testid=counts]').filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
    assert.equal(await page.locator('#message').isDisabled(), true);
    await page.click('[data-testid=preview] summary');
    const request = await page.locator('[data-testid=preview] pre').textContent();
    assert.ok(request.startsWith('POST /graph/members'), request);
    const body = JSON.parse(request.slice(request.indexOf('\n')));
    assert.deepEqual(body.Accounts, [{ AccountId: '111122224444' }, { AccountId: '111122225555' }]);
    assert.equal(body.Message, undefined);
    await page.screenshot({ path: `${shots}/8-detective.png`, fullPage: true });
    await page.click('button.primary:has-text("Send")');
    await page.locator('[data-testid=progress]').filter({ hasText: '1 of 1 batches done' }).waitFor({ timeout: 30_000 });
    const outcomes = await page.locator('select option').allTextContents();
    assert.ok(outcomes.includes('enabled (2)'), outcomes.join(' | '));
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('10,000 outcome rows scroll with only the visible rows drawn; cancel, copy and retry the rest', async () => {
  const server = await serve({ latencyMs: 30, seed: 3 });
  const { page, errors } = await open(server);
  // 1,000 accounts (GuardDuty's member quota) to ten regions: 10,000 rows.
  await paste(page, accounts(1000, 300000000000));
  await page.locator('[data-testid=counts]').filter({ hasText: '1,000 accounts to send in 20 batches' }).waitFor();
  await send(page, REGIONS.join(','));
  await page.locator('[data-testid=progress]').filter({ hasText: /^([3-9]\d|1\d\d) of 200 batches done/ }).waitFor({ timeout: 60_000 });
  await page.click('button:has-text("Cancel")');
  await page.locator('[data-testid=progress]').filter({ hasText: /^200 of 200 batches done .* · cancelled/ }).waitFor({ timeout: 30_000 });
  const drawn = await page.locator('[data-testid=results] tbody tr:not(.spacer)').count();
  assert.ok(drawn > 10 && drawn < 60, `${drawn} rows drawn of 10,000`);
  // Scroll to the end: the last account's rows are drawn, still only a window of rows.
  await page.evaluate(() => { const t = document.querySelector('.table-wrap'); t.scrollTop = t.scrollHeight; });
  await page.locator('[data-testid=results] tr[data-line="1000"]').first().waitFor();
  assert.ok((await page.locator('[data-testid=results] tbody tr:not(.spacer)').count()) < 60);
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/9-ten-thousand.png` });
  // The cancelled accounts are the failures: copy them, then retry them to the same targets.
  const outcomes = await page.locator('select option').allTextContents();
  const cancelled = count(outcomes.find((o) => o.startsWith('cancelled')) ?? '(0)');
  assert.ok(cancelled > 0, outcomes.join(' | '));
  await page.click('text=Copy failures as a new list');
  const copied = (await page.evaluate(() => navigator.clipboard.readText())).trim().split('\n');
  assert.equal(copied[0], 'Account ID,Email');
  await page.click('text=Retry failures');
  await page.locator('[data-testid=progress]').filter({ hasText: /^(\d+) of \1 batches done/ }).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('#list').inputValue(), copied.join('\n') + '\n', 'the retried list is the copied one');
  for (const region of REGIONS) assert.equal((await members(server, region)).length, 1000, region);
  assert.deepEqual(errors, []);
});
